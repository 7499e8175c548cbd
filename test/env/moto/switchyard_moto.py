"""moto server with the AWS behaviour Switchyard depends on and stock moto lacks.

Started as `python3 switchyard_moto.py -H 127.0.0.1 -p PORT` (the same arguments as `moto_server`).

Added on moto's own models, following the AWS API reference:
- RDS FailoverGlobalCluster and SwitchoverGlobalCluster: validated like AWS, the global cluster goes through
  `switching-over` / `failing-over` (with FailoverState) for `globalClusterTransitionSeconds`, then the target is
  the writer.
- RDS PromoteReadReplica and PromoteReadReplicaDBCluster (moto has both, but promotes instantly, leaves an instance
  naming its source, and accepts a second call or crashes on it): only a replica that is `available` may be promoted
  (InvalidDBInstanceState / InvalidDBClusterStateFault otherwise, DBInstanceNotFound / DBClusterNotFoundFault for an
  unknown identifier); the replica is `modifying` (instance) or `promoting` (cluster) for `replicaPromotionSeconds`,
  still naming its source, then standalone and `available`, and its source no longer lists it.
- Route53 ChangeResourceRecordSets applies batches one at a time (moto interleaves concurrent ones), validates DELETEs
  and CREATEs against the zone as it is (moto: against its change journal), rejects a stale DELETE as
  InvalidChangeBatch (moto: InvalidInput), and returns a distinct change id that is PENDING for `changePropagationSeconds`;
  GetChange reports PENDING, then INSYNC; unknown ids give NoSuchChange.
- Route53 GetHealthCheckStatus reports the status a test has set (default: every checker healthy).
- Route53 API throttling as it is since 2026-07-30 (Route 53 Developer Guide, "Throttling for Amazon Route 53 API
  requests"; AWS Networking & Content Delivery blog, "Introducing change-based throttling for Amazon Route 53 APIs"),
  ON by default with AWS's numbers. Token buckets, refilled continuously (time.monotonic()) up to their capacity:
  * request rate, account level: every Route53 call of the (one emulated) account takes a token from one bucket,
    capacity 50, refilled at 10 per second;
  * request rate, action level: each action also has its own bucket, by the guide's table (ROUTE53_ACTION_LIMITS:
    e.g. GetHealthCheckStatus 4 / 1 per second, CreateHealthCheck 50 / 0.5, CreateHostedZone 40 / 2, DeleteHealthCheck
    15 / 3); an action the table does not list 50 / 10;
  * change throughput: ChangeResourceRecordSets also takes one token per change of its batch, UPSERT two (AWS counts
    an UPSERT twice, as a delete and a create; a DELETE + CREATE pair is two as well). Defaults capacity 1000, refill
    100 per second: CHOSEN HERE, not read from AWS; the stored copies of both documents available when this was
    written ended before their change-throughput numbers. Set them with changeCapacity / changeRefillPerSecond. Only
    ChangeResourceRecordSets is counted (the emulator has no traffic-policy instances, which also write records).
  A call that finds any of its buckets short is answered as Route53 does: HTTP 400, code Throttling, message "Rate
  exceeded" (moto's Route53 error XML), and takes nothing from any bucket (the documents do not say whether a throttled
  request costs a token; not charging it is the usual token-bucket reading and keeps the refill rate the sustained
  rate). A batch counting more changes than the change bucket's capacity could never pass, so it is refused at once
  as InvalidChangeBatch instead of Throttling (which clients retry); with the default capacity no batch within AWS's
  own size quota (1,000 records, an UPSERT counted twice) is that large. Calls answered with an injected fault take no
  tokens. Only Route53 is throttled this way (RDS, STS, CloudWatch are not).
- Route53 PriorRequestNotComplete: a ChangeResourceRecordSets for a hosted zone that arrives while a prior one for the
  same zone is still being processed (in the server, plus `changeProcessingSeconds` after it was accepted, default 0)
  is answered HTTP 400, code PriorRequestNotComplete, message "The request was rejected because Route 53 was still
  processing a prior request." (the guide's wording). It is not tied to PENDING propagation: Route53 accepts a new
  batch while an earlier change is PENDING. Such a call has taken its request tokens.
- STS requests presigned in the query string (GetCallerIdentity, as EKS tokens carry them) have their Signature
  Version 4 checked as AWS documents it (moto checks none): the signature is recomputed with the secret of the access
  key used (the emulator's static pair, a moto IAM user's active key, or a moto AssumeRole session, whose session token
  must match and be unexpired), over the signed headers, the query without X-Amz-Signature and the empty payload's
  hash. A mismatch is 403 SignatureDoesNotMatch, an unknown key 403 InvalidClientTokenId, an expired session 403
  ExpiredToken. As STS does for GetCallerIdentity, the URL is valid for 15 minutes after X-Amz-Date whatever
  X-Amz-Expires says (which must still be 1..604800), and a date more than 15 minutes ahead is refused as well.

Test endpoints under /_switchyard/ (JSON bodies):
- POST /_switchyard/config                  {"changePropagationSeconds": 1.0, "globalClusterTransitionSeconds": 1.0,
                                            "replicaPromotionSeconds": 1.0,
                                            "route53Throttling": {"enabled": true, "accountCapacity": 50,
                                              "accountRefillPerSecond": 10, "actions": {"GetHealthCheckStatus":
                                              {"capacity": 4, "refillPerSecond": 1}}, "changeCapacity": 1000,
                                              "changeRefillPerSecond": 100, "priorRequestNotComplete": true,
                                              "changeProcessingSeconds": 0}}
                                            (every field optional; a throttling config refills every bucket and ends
                                            processing windows; the answer gives the whole throttling config in force)
- POST /_switchyard/route53/health-checks/ID {"healthyCheckers": 0..8} or {"healthy": true|false}
- POST /_switchyard/faults                  {"service": "route53", "action": "ChangeResourceRecordSets" | "*",
                                            "code": "Throttling", "count": N}  (answers the next N calls with it;
                                            "code": "Latency", "delaySeconds": S answers them normally, S late)
- GET  /_switchyard/calls                   every AWS call served: [{"service", "action", "time", "accessKeyId"}],
                                            with "error": code for a call refused by throttling, PriorRequestNotComplete
                                            or an injected fault, "throttled": true for a Throttling answer and
                                            "injected": true for an injected fault
- GET  /_switchyard/actions                 the IAM actions called by each access key since the server started
                                            (a reset keeps them): {"<access key id>": ["route53:GetChange", ...]}
- POST /_switchyard/reset                   clears this plugin's state and moto's: default timing and throttling
                                            config, every bucket full
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from moto import server as moto_server
from moto.backends import get_backend
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.iam.models import iam_backends
from moto.rds.models import DBCluster, find_cluster
from moto.rds.responses import RDSResponse
from moto.route53.exceptions import InvalidInput
from moto.route53.responses import Route53
from moto.sts.models import sts_backends

HEALTH_CHECKER_REGIONS = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
]


# Errors are defined here, outside the moto package, so that moto serialises them with the calling service's
# error shape instead of looking for a service named after the exception's module.
class InjectedFault(ServiceException):
    def __init__(self, code: str) -> None:
        super().__init__(code, f"Injected fault: {code}")


class GlobalClusterNotFoundFault(ServiceException):
    code = "GlobalClusterNotFoundFault"


class InvalidGlobalClusterStateFault(ServiceException):
    code = "InvalidGlobalClusterStateFault"


class InvalidDBClusterStateFault(ServiceException):
    code = "InvalidDBClusterStateFault"


class DBClusterNotFoundFault(ServiceException):
    code = "DBClusterNotFoundFault"


class DBInstanceNotFound(ServiceException):
    code = "DBInstanceNotFound"


class InvalidDBInstanceState(ServiceException):
    code = "InvalidDBInstanceState"


class InvalidParameterCombination(ServiceException):
    code = "InvalidParameterCombination"


class NoSuchChange(ServiceException):
    code = "NoSuchChange"


class InvalidChangeBatch(ServiceException):
    code = "InvalidChangeBatch"


class Throttling(ServiceException):
    code = "Throttling"
    message = "Rate exceeded"


class PriorRequestNotComplete(ServiceException):
    code = "PriorRequestNotComplete"
    message = "The request was rejected because Route 53 was still processing a prior request."


@dataclass
class Fault:
    service: str
    action: str
    code: str  # an AWS error code, or "Latency": the call is answered normally after delay_seconds
    remaining: int
    delay_seconds: float = 0.0


@dataclass
class PendingTransition:
    global_cluster: Any
    target: Any
    due: float


@dataclass
class PendingPromotion:
    backend: Any
    replica: Any  # a moto DBInstance or DBCluster
    due: float


# Route53's per-action request-rate buckets (capacity, refill per second) as the Developer Guide's table lists them;
# an action not listed has DEFAULT_ACTION_LIMIT.
DEFAULT_ACTION_LIMIT = (50.0, 10.0)
ROUTE53_ACTION_LIMITS: dict[str, tuple[float, float]] = {
    "AssociateVPCWithHostedZone": (20, 5),
    "ChangeCidrCollection": (40, 5),
    "CreateCidrCollection": (40, 5),
    "CreateHealthCheck": (50, 0.5),
    "CreateHostedZone": (40, 2),
    "CreateReusableDelegationSet": (40, 2),
    "CreateTrafficPolicyInstance": (1, 1),
    "DeleteCidrCollection": (40, 5),
    "DeleteHealthCheck": (15, 3),
    "DeleteHostedZone": (40, 5),
    "DeleteReusableDelegationSet": (40, 5),
    "DeleteTrafficPolicyInstance": (1, 1),
    "DisassociateVPCFromHostedZone": (10, 5),
    "GetHealthCheckLastFailureReason": (4, 1),
    "GetHealthCheckStatus": (4, 1),
}
# What each Change of a ChangeResourceRecordSets batch takes from the change-throughput bucket: Route53 counts an
# UPSERT twice (a delete and a create), CREATE and DELETE once each.
CHANGE_COST = {"CREATE": 1, "DELETE": 1, "UPSERT": 2}


@dataclass
class TokenBucket:
    """Holds up to `capacity` tokens, refilled continuously at `refill_per_second` (time.monotonic()); starts full."""

    capacity: float
    refill_per_second: float
    tokens: float = -1.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def available(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.updated) * self.refill_per_second)
        self.updated = now
        return self.tokens


@dataclass
class Route53Throttling:
    enabled: bool = True
    account_capacity: float = 50.0
    account_refill_per_second: float = 10.0
    actions: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(ROUTE53_ACTION_LIMITS))
    change_capacity: float = 1000.0
    change_refill_per_second: float = 100.0
    prior_request_not_complete: bool = True
    change_processing_seconds: float = 0.0
    account: TokenBucket = field(init=False)
    changes: TokenBucket = field(init=False)
    per_action: dict[str, TokenBucket] = field(default_factory=dict)
    zones_busy: dict[str, int] = field(default_factory=dict)  # hosted zone id -> batches being processed
    zones_busy_until: dict[str, float] = field(default_factory=dict)  # hosted zone id -> end of processing window

    def __post_init__(self) -> None:
        self.refill_all()

    def refill_all(self) -> None:
        self.account = TokenBucket(self.account_capacity, self.account_refill_per_second)
        self.changes = TokenBucket(self.change_capacity, self.change_refill_per_second)
        self.per_action = {}
        self.zones_busy_until = {}  # processing windows end (batches in flight still hold their zone)

    def action_bucket(self, action: str) -> TokenBucket:
        if action not in self.per_action:
            self.per_action[action] = TokenBucket(*self.actions.get(action, DEFAULT_ACTION_LIMIT))
        return self.per_action[action]

    def describe(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "accountCapacity": self.account_capacity,
            "accountRefillPerSecond": self.account_refill_per_second,
            "defaultAction": {"capacity": DEFAULT_ACTION_LIMIT[0], "refillPerSecond": DEFAULT_ACTION_LIMIT[1]},
            "actions": {name: {"capacity": c, "refillPerSecond": r} for name, (c, r) in sorted(self.actions.items())},
            "changeCapacity": self.change_capacity,
            "changeRefillPerSecond": self.change_refill_per_second,
            "priorRequestNotComplete": self.prior_request_not_complete,
            "changeProcessingSeconds": self.change_processing_seconds,
        }

    def configure(self, body: dict[str, Any]) -> None:
        """Applies {"enabled", "accountCapacity", ...}; every bucket then starts full at its (new) capacity, and the
        processing windows of earlier batches end."""
        if "enabled" in body:
            self.enabled = bool(body["enabled"])
        if "accountCapacity" in body:
            self.account_capacity = float(body["accountCapacity"])
        if "accountRefillPerSecond" in body:
            self.account_refill_per_second = float(body["accountRefillPerSecond"])
        for name, limit in (body.get("actions") or {}).items():
            current = self.actions.get(name, DEFAULT_ACTION_LIMIT)
            self.actions[name] = (
                float(limit.get("capacity", current[0])),
                float(limit.get("refillPerSecond", current[1])),
            )
        if "changeCapacity" in body:
            self.change_capacity = float(body["changeCapacity"])
        if "changeRefillPerSecond" in body:
            self.change_refill_per_second = float(body["changeRefillPerSecond"])
        if "priorRequestNotComplete" in body:
            self.prior_request_not_complete = bool(body["priorRequestNotComplete"])
        if "changeProcessingSeconds" in body:
            self.change_processing_seconds = float(body["changeProcessingSeconds"])
        self.refill_all()

    def admit(self, action: str, change_cost: int) -> bool:
        """Takes one token from the account and the action bucket (and change_cost from the change-throughput bucket)
        if every one of them has enough; otherwise takes nothing and answers False (the call is throttled)."""
        if not self.enabled:
            return True
        now = time.monotonic()
        buckets = [(self.account, 1.0), (self.action_bucket(action), 1.0)]
        if change_cost > 0:
            buckets.append((self.changes, float(change_cost)))
        if any(bucket.available(now) < cost for bucket, cost in buckets):
            return False
        for bucket, cost in buckets:
            bucket.tokens -= cost
        return True


@dataclass
class PluginState:
    change_propagation_seconds: float = 0.5
    global_cluster_transition_seconds: float = 0.5
    replica_promotion_seconds: float = 0.5
    changes: dict[str, float] = field(default_factory=dict)  # change id -> time it becomes INSYNC
    healthy_checkers: dict[str, int] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[PendingTransition] = field(default_factory=list)
    promotions: list[PendingPromotion] = field(default_factory=list)
    route53_throttling: Route53Throttling = field(default_factory=Route53Throttling)


STATE = PluginState()
LOCK = threading.RLock()


def complete_due_transitions(now: float) -> None:
    """Finishes global-cluster switchovers/failovers whose time has come (evaluated lazily on every request)."""
    with LOCK:
        due = [t for t in STATE.transitions if t.due <= now]
        STATE.transitions = [t for t in STATE.transitions if t.due > now]
    for t in due:
        for member in t.global_cluster.members:
            member.is_writer = member is t.target
        t.global_cluster.status = "available"
        t.global_cluster.failover_state = None
    with LOCK:
        promoted = [p for p in STATE.promotions if p.due <= now]
        STATE.promotions = [p for p in STATE.promotions if p.due > now]
    for p in promoted:
        finish_promotion(p.backend, p.replica)


def take_fault(service: str, action: str) -> Fault | None:
    with LOCK:
        for fault in STATE.faults:
            if fault.service == service and fault.action in ("*", action) and fault.remaining > 0:
                fault.remaining -= 1
                return fault
    return None


# --- every AWS call: lazy timers, call log, injected faults -----------------------------------------------------

original_call_action = BaseResponse.call_action

# The IAM actions each access key called since the server started; a reset keeps them, so that a test run can ask at
# its end which actions the controller (which signs with its own key) used across every test file.
ACTIONS_BY_KEY: dict[str, set[str]] = {}
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


def access_key_of(response: BaseResponse) -> str:
    match = CREDENTIAL.search(str(response.headers.get("Authorization", "")))
    return match.group(1) if match else ""


# The call-log entry of the call this thread serves, so that a handler can mark the error it answers.
CURRENT_CALL = threading.local()


def mark_call(error: str) -> None:
    entry = getattr(CURRENT_CALL, "entry", None)
    if entry is not None:
        with LOCK:
            entry["error"] = error
            if error == "Throttling":
                entry["throttled"] = True


def change_cost(changes: list[dict[str, Any]]) -> int:
    return sum(CHANGE_COST.get(str(change.get("Action", "")).upper(), 1) for change in changes)


def route53_admission(response: BaseResponse, action: str) -> ServiceException | None:
    """Route53's token buckets: None if the call may be served, else the error it is answered with."""
    cost = 0
    if action == "ChangeResourceRecordSets":
        try:
            cost = change_cost(response._get_param("ChangeBatch.Changes") or [])
        except Exception:  # a malformed body is moto's to refuse; it still costs a request
            cost = 0
    with LOCK:
        throttling = STATE.route53_throttling
        oversized = throttling.enabled and cost > throttling.change_capacity
        if not throttling.admit(action, 0 if oversized else cost):
            return Throttling()
        capacity = throttling.change_capacity
    if oversized:
        # No wait would ever let it through, so it is refused as invalid rather than throttled (which is retried).
        return InvalidChangeBatch(
            f"[The batch counts {cost} changes (an UPSERT counts 2), more than the change throughput "
            f"limit's capacity of {capacity:g}]"
        )
    return None


def answer_error(response: BaseResponse, error: ServiceException) -> Any:
    status, headers, body = response.serialized(ActionResult(error))
    headers, body = response._enrich_response(headers, body)
    return status, headers, body


def call_action(self: BaseResponse) -> Any:
    now = time.time()
    complete_due_transitions(now)
    action = self._get_action()
    key = access_key_of(self)
    entry = {"service": self.service_name, "action": action, "time": now, "accessKeyId": key}
    with LOCK:
        STATE.calls.append(entry)
        ACTIONS_BY_KEY.setdefault(key, set()).add(f"{self.service_name}:{action}")
    CURRENT_CALL.entry = entry
    fault = take_fault(self.service_name, action)
    if fault is not None and fault.code == "Latency":
        # moto's server is threaded: this call waits, the others are served meanwhile (as a slow AWS endpoint is).
        time.sleep(fault.delay_seconds)
        fault = None
    if fault is not None:
        mark_call(fault.code)
        with LOCK:
            entry["injected"] = True
        return answer_error(self, InjectedFault(fault.code))
    if self.service_name == "route53":
        refusal = route53_admission(self, action)
        if refusal is not None:
            mark_call(refusal.code)
            return answer_error(self, refusal)
    return original_call_action(self)


BaseResponse.call_action = call_action


# --- RDS: global database switchover and failover ---------------------------------------------------------------


def find_member(global_cluster: Any, identifier: str) -> Any:
    for member in global_cluster.members:
        if identifier in (member.db_cluster_arn, member.db_cluster_identifier):
            return member
    raise DBClusterNotFoundFault(
        f"The DB cluster {identifier} is not a member of global cluster {global_cluster.global_cluster_identifier}."
    )


def begin_transition(response: RDSResponse, allow_data_loss: bool) -> ActionResult:
    params = response.params
    identifier = params["GlobalClusterIdentifier"].lower()
    global_cluster = response.global_backend.global_clusters.get(identifier)
    if global_cluster is None:
        raise GlobalClusterNotFoundFault(f"Global cluster {identifier} not found.")
    if global_cluster.status != "available":
        raise InvalidGlobalClusterStateFault(
            f"Global cluster {identifier} is in state {global_cluster.status}, not available."
        )
    target = find_member(global_cluster, params["TargetDbClusterIdentifier"])
    if target.is_writer:
        raise InvalidDBClusterStateFault(
            f"The DB cluster {target.db_cluster_identifier} is already the primary of global cluster {identifier}."
        )
    source = next((m for m in global_cluster.members if m.is_writer), None)
    global_cluster.status = "failing-over" if allow_data_loss else "switching-over"
    global_cluster.failover_state = {
        "Status": "failing-over" if allow_data_loss else "switching-over",
        "FromDbClusterArn": source.db_cluster_arn if source else None,
        "ToDbClusterArn": target.db_cluster_arn,
        "IsDataLossAllowed": allow_data_loss,
    }
    with LOCK:
        due = time.time() + STATE.global_cluster_transition_seconds
        STATE.transitions.append(PendingTransition(global_cluster, target, due))
    return ActionResult({"GlobalCluster": global_cluster})


def switchover_global_cluster(self: RDSResponse) -> ActionResult:
    return begin_transition(self, allow_data_loss=False)


def failover_global_cluster(self: RDSResponse) -> ActionResult:
    allow_data_loss = bool(self.params.get("AllowDataLoss"))
    if allow_data_loss and bool(self.params.get("Switchover")):
        raise InvalidParameterCombination("AllowDataLoss and Switchover cannot be specified together.")
    # Without AllowDataLoss, AWS treats FailoverGlobalCluster as a switchover.
    return begin_transition(self, allow_data_loss=allow_data_loss)


RDSResponse.switchover_global_cluster = switchover_global_cluster
RDSResponse.failover_global_cluster = failover_global_cluster


# --- RDS: read replica promotion (instance and cluster) ---------------------------------------------------------


def finish_promotion(backend: Any, replica: Any) -> None:
    """The replica becomes standalone: it names no source, and its source no longer lists it."""
    if isinstance(replica, DBCluster):
        source_id = replica.replication_source_identifier
        try:
            source = find_cluster(source_id) if source_id.startswith("arn:") else backend.clusters[source_id]
        except Exception:  # the source may be gone (that is why one promotes); the replica is promoted all the same
            source = None
        if source is not None and replica.db_cluster_arn in source.read_replica_identifiers:
            source.read_replica_identifiers.remove(replica.db_cluster_arn)
        replica.replication_source_identifier = None
    else:
        try:
            source = backend.find_db_from_id(replica.source_db_instance_identifier)
        except Exception:
            source = None
        if source is not None:
            source.replicas = [
                r for r in source.replicas if r not in (replica.db_instance_arn, replica.db_instance_identifier)
            ]
        replica.is_replica = False
        replica.source_db_instance_identifier = None
    replica.status = "available"


def begin_promotion(response: RDSResponse, replica: Any, promoting_status: str) -> None:
    with LOCK:
        due = time.time() + STATE.replica_promotion_seconds
        replica.status = promoting_status
        STATE.promotions.append(PendingPromotion(response.backend, replica, due))


def promote_read_replica(self: RDSResponse) -> ActionResult:
    identifier = self.params["DBInstanceIdentifier"]
    database = self.backend.databases.get(identifier) or self.backend.databases.get(identifier.lower())
    if database is None:
        raise DBInstanceNotFound(f"DBInstance {identifier} not found.")
    if not database.is_replica or not database.source_db_instance_identifier:
        raise InvalidDBInstanceState(f"DB Instance {identifier} is not a read replica.")
    if database.status != "available":
        raise InvalidDBInstanceState(f"DB Instance {identifier} is in state {database.status}, not available.")
    begin_promotion(self, database, "modifying")
    return ActionResult({"DBInstance": database})


def promote_read_replica_db_cluster(self: RDSResponse) -> ActionResult:
    identifier = self.params["DBClusterIdentifier"]
    cluster = self.backend.clusters.get(identifier) or self.backend.clusters.get(identifier.lower())
    if cluster is None:
        raise DBClusterNotFoundFault(f"DBCluster {identifier} not found.")
    if not cluster.replication_source_identifier:
        raise InvalidDBClusterStateFault(f"DB cluster {identifier} is not a read replica.")
    if cluster.status != "available":
        raise InvalidDBClusterStateFault(f"DB cluster {identifier} is in state {cluster.status}, not available.")
    begin_promotion(self, cluster, "promoting")
    return ActionResult({"DBCluster": cluster})


RDSResponse.promote_read_replica = promote_read_replica
RDSResponse.promote_read_replica_db_cluster = promote_read_replica_db_cluster


# --- Route53: change propagation and settable health-check status -----------------------------------------------

original_change_resource_record_sets = Route53.change_resource_record_sets


STALE_DELETE = re.compile(r"Action=DELETE, Name=([^,]+), Type=([^,]+),")


# Route53 applies change batches one at a time, each whole or not at all; moto's threaded server validates and applies
# concurrent batches interleaved, so two batches that DELETE the same record could both succeed. Serialising them
# restores the compare-and-swap that fencing relies on.
BATCH_LOCK = threading.Lock()


def record_values(records: Any) -> list[str]:
    return sorted(r.get("Value", "") if isinstance(r, dict) else str(r) for r in (records or []))


def record_key(name: str, rtype: Any, set_identifier: Any) -> tuple[str, str, str]:
    return (name.rstrip(".").lower(), str(rtype), str(set_identifier or ""))


def validate_batch(backend: Any, zone_id: str, changes: list[dict[str, Any]]) -> None:
    """Checks a batch against the zone as it is now, as Route53 does: a DELETE must match an existing record set exactly
    (TTL and values), a CREATE must not find one. moto checks DELETEs against its change journal instead, so a record
    deleted earlier still "matches" and two compare-and-swaps from the same read would both succeed."""
    zone = backend.get_hosted_zone(zone_id)
    current: dict[tuple[str, str, str], tuple[int, list[str]]] = {
        record_key(r.name, r.type, r.set_identifier): (int(r.ttl or 0), record_values(r.records)) for r in zone.rrsets
    }
    for change in changes:
        rrset = change["ResourceRecordSet"]
        key = record_key(rrset["Name"], rrset["Type"], rrset.get("SetIdentifier"))
        wanted = (int(rrset.get("TTL") or 0), record_values(rrset.get("ResourceRecords")))
        described = f"[name='{rrset['Name'].rstrip('.')}.', type='{rrset['Type']}'"
        described += f", set-identifier='{rrset['SetIdentifier']}']" if rrset.get("SetIdentifier") else "]"
        if change["Action"] == "DELETE":
            if key not in current:
                raise InvalidChangeBatch(f"[Tried to delete resource record set {described} but it was not found]")
            if current[key] != wanted:
                raise InvalidChangeBatch(
                    f"[Tried to delete resource record set {described} "
                    "but the values provided do not match the current values]"
                )
            del current[key]
        elif change["Action"] == "CREATE":
            if key in current:
                raise InvalidChangeBatch(
                    f"[Tried to create resource record set {described} but it already exists]"
                )
            current[key] = wanted
        else:
            current[key] = wanted


def begin_zone_change(zone_id: str) -> None:
    """Route53 refuses a change batch for a hosted zone while it is still processing a prior one for that zone."""
    with LOCK:
        throttling = STATE.route53_throttling
        in_flight = throttling.zones_busy.get(zone_id, 0) > 0
        if throttling.prior_request_not_complete and (
            in_flight or throttling.zones_busy_until.get(zone_id, 0.0) > time.monotonic()
        ):
            mark_call("PriorRequestNotComplete")
            raise PriorRequestNotComplete()
        throttling.zones_busy[zone_id] = throttling.zones_busy.get(zone_id, 0) + 1


def end_zone_change(zone_id: str) -> None:
    with LOCK:
        throttling = STATE.route53_throttling
        throttling.zones_busy[zone_id] = max(0, throttling.zones_busy.get(zone_id, 0) - 1)
        if throttling.change_processing_seconds > 0:
            throttling.zones_busy_until[zone_id] = time.monotonic() + throttling.change_processing_seconds


def change_resource_record_sets(self: Route53) -> ActionResult:
    zone_id = str(self._get_param("HostedZoneId")).split("/")[-1]
    begin_zone_change(zone_id)
    try:
        return apply_change_batch(self)
    finally:
        end_zone_change(zone_id)


def apply_change_batch(self: Route53) -> ActionResult:
    try:
        with BATCH_LOCK:
            validate_batch(self.backend, self._get_param("HostedZoneId"), self._get_param("ChangeBatch.Changes") or [])
            result = original_change_resource_record_sets(self)
    except InvalidInput as error:
        # moto rejects a DELETE that matches no current record as InvalidInput; Route53 says InvalidChangeBatch, and
        # Switchyard's fencing compare-and-swap recognises a lost race by that code.
        stale = STALE_DELETE.search(error.message)
        if stale is None:
            raise
        name, rtype = stale.groups()
        raise InvalidChangeBatch(
            f"[Tried to delete resource record set [name='{name}', type='{rtype}'] "
            "but the values provided do not match the current values]"
        ) from error
    change_id = "C" + secrets.token_hex(8).upper()
    with LOCK:
        STATE.changes[change_id] = time.time() + STATE.change_propagation_seconds
    result.result["ChangeInfo"]["Id"] = f"/change/{change_id}"
    result.result["ChangeInfo"]["Status"] = "PENDING"
    return result


def get_change(self: Route53) -> ActionResult:
    change_id = self._get_param("Id").split("/")[-1]
    with LOCK:
        insync_at = STATE.changes.get(change_id)
    if insync_at is None:
        raise NoSuchChange(f"A change with the specified change ID does not exist: {change_id}")
    status = "INSYNC" if time.time() >= insync_at else "PENDING"
    return ActionResult({"ChangeInfo": {"Id": f"/change/{change_id}", "Status": status, "SubmittedAt": insync_at}})


def get_health_check_status(self: Route53) -> ActionResult:
    health_check_id = self._get_param("HealthCheckId")
    self.backend.get_health_check(health_check_id)  # raises NoSuchHealthCheck like AWS
    with LOCK:
        healthy = STATE.healthy_checkers.get(health_check_id, len(HEALTH_CHECKER_REGIONS))
    observations = []
    for index, region in enumerate(HEALTH_CHECKER_REGIONS):
        status = (
            "Success: HTTP Status Code 200, OK"
            if index < healthy
            else "Failure: HTTP Status Code 503, Service Unavailable"
        )
        observations.append(
            {
                "Region": region,
                "IPAddress": f"127.0.0.{index + 1}",
                "StatusReport": {"Status": status, "CheckedTime": time.time()},
            }
        )
    return ActionResult({"HealthCheckObservations": observations})


Route53.change_resource_record_sets = change_resource_record_sets
Route53.get_change = get_change
Route53.get_health_check_status = get_health_check_status


# --- test endpoints ---------------------------------------------------------------------------------------------


def reset_all() -> None:
    global STATE
    with LOCK:
        STATE = PluginState()
    for name in ("rds", "route53"):
        get_backend(name).reset()


def handle_plugin_request(method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    parts = [p for p in path.split("/") if p][1:]
    with LOCK:
        if method == "GET" and parts == ["calls"]:
            return 200, STATE.calls
        if method == "GET" and parts == ["actions"]:
            return 200, {key: sorted(actions) for key, actions in ACTIONS_BY_KEY.items()}
        if method != "POST":
            return 405, {"error": f"{method} not allowed"}
        if parts == ["config"]:
            if "changePropagationSeconds" in body:
                STATE.change_propagation_seconds = float(body["changePropagationSeconds"])
            if "globalClusterTransitionSeconds" in body:
                STATE.global_cluster_transition_seconds = float(body["globalClusterTransitionSeconds"])
            if "replicaPromotionSeconds" in body:
                STATE.replica_promotion_seconds = float(body["replicaPromotionSeconds"])
            if "route53Throttling" in body:
                STATE.route53_throttling.configure(body["route53Throttling"])
            return 200, {
                "changePropagationSeconds": STATE.change_propagation_seconds,
                "globalClusterTransitionSeconds": STATE.global_cluster_transition_seconds,
                "replicaPromotionSeconds": STATE.replica_promotion_seconds,
                "route53Throttling": STATE.route53_throttling.describe(),
            }
        if len(parts) == 3 and parts[:2] == ["route53", "health-checks"]:
            if "healthyCheckers" in body:
                healthy = int(body["healthyCheckers"])
            else:
                healthy = len(HEALTH_CHECKER_REGIONS) if body.get("healthy", True) else 0
            STATE.healthy_checkers[parts[2]] = max(0, min(healthy, len(HEALTH_CHECKER_REGIONS)))
            return 200, {"healthyCheckers": STATE.healthy_checkers[parts[2]]}
        if parts == ["faults"]:
            fault = Fault(
                body["service"],
                body.get("action", "*"),
                body.get("code", "Throttling"),
                int(body["count"]),
                float(body.get("delaySeconds", 0)),
            )
            STATE.faults.append(fault)
            return 200, {"queued": fault.remaining}
    if parts == ["reset"]:
        reset_all()
        return 200, {"reset": True}
    return 404, {"error": f"unknown endpoint {path}"}


# --- STS: SigV4 of presigned (query-string) requests -------------------------------------------------------------

# The static pair the emulator's clients use (test/env/aws-emulator.ts); moto's IAM keys and sessions are looked up.
STATIC_CREDENTIALS = {"testing": "testing"}
PRESIGNED_VALIDITY_SECONDS = 15 * 60
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()


class SigV4Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def uri_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def query_pairs(raw: str) -> list[tuple[str, str]]:
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((urllib.parse.unquote(name), urllib.parse.unquote(value)))
    return pairs


def secret_for(access_key_id: str, session_token: str | None, now: float) -> str:
    """The secret of a key the emulator knows; a refusal as STS words it otherwise."""
    if access_key_id in STATIC_CREDENTIALS:
        return STATIC_CREDENTIALS[access_key_id]
    for account in list(sts_backends.keys()):
        for backend in sts_backends[account].values():
            for role in backend.assumed_roles:
                if role.access_key_id != access_key_id:
                    continue
                if session_token != role.session_token:
                    raise SigV4Refusal("InvalidClientTokenId", "The security token included in the request is invalid.")
                expires = role.expiration.replace(tzinfo=datetime.timezone.utc).timestamp()
                if now > expires:
                    raise SigV4Refusal("ExpiredToken", "The security token included in the request is expired")
                return str(role.secret_access_key)
    for account in list(iam_backends.keys()):
        for backend in iam_backends[account].values():
            for user in backend.users.values():
                for key in user.access_keys:
                    if key.access_key_id == access_key_id and key.status == "Active":
                        return str(key.secret_access_key)
    raise SigV4Refusal("InvalidClientTokenId", "The security token included in the request is invalid.")


def hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def verify_presigned(environ: dict[str, Any], now: float) -> None:
    """Checks a presigned request's SigV4 as the AWS reference defines it; raises SigV4Refusal when it fails."""
    pairs = query_pairs(environ.get("QUERY_STRING", ""))
    params = dict(pairs)
    mismatch = SigV4Refusal(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    )
    if params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        raise SigV4Refusal("IncompleteSignature", "X-Amz-Algorithm must be AWS4-HMAC-SHA256")
    credential = params.get("X-Amz-Credential", "").split("/")
    if len(credential) != 5 or credential[4] != "aws4_request":
        raise SigV4Refusal("IncompleteSignature", "X-Amz-Credential is not <key>/<date>/<region>/<service>/aws4_request")
    access_key_id, short_date, region, service, _ = credential
    long_date = params.get("X-Amz-Date", "")
    try:
        signed_at = datetime.datetime.strptime(long_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        expires = int(params.get("X-Amz-Expires", ""))
    except ValueError:
        raise SigV4Refusal("IncompleteSignature", "X-Amz-Date and X-Amz-Expires are required") from None
    if not 1 <= expires <= 604800 or short_date != long_date[:8]:
        raise SigV4Refusal("AuthorizationQueryParametersError", "X-Amz-Expires or the credential's date is invalid")
    signed_headers = params.get("X-Amz-SignedHeaders", "")
    if "host" not in signed_headers.split(";"):
        raise SigV4Refusal("IncompleteSignature", "the host header must be signed")
    if "X-Amz-Signature" not in params:
        raise SigV4Refusal("IncompleteSignature", "X-Amz-Signature is required")
    secret = secret_for(access_key_id, params.get("X-Amz-Security-Token"), now)

    canonical_query = "&".join(
        f"{k}={v}" for k, v in sorted((uri_encode(k), uri_encode(v)) for k, v in pairs if k != "X-Amz-Signature")
    )
    headers = []
    for name in signed_headers.split(";"):
        value = environ.get("HTTP_HOST" if name == "host" else "HTTP_" + name.upper().replace("-", "_"), "")
        headers.append(f"{name}:{' '.join(str(value).split())}\n")
    canonical_request = "\n".join(
        [
            environ.get("REQUEST_METHOD", "GET"),
            urllib.parse.quote(environ.get("PATH_INFO", "/") or "/", safe="/-_.~"),
            canonical_query,
            "".join(headers),
            signed_headers,
            EMPTY_PAYLOAD_SHA256,
        ]
    )
    scope = f"{short_date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", long_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = ("AWS4" + secret).encode()
    for part in (short_date, region, service, "aws4_request"):
        key = hmac_sha256(key, part)
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
        raise mismatch
    at = signed_at.timestamp()
    if now > at + PRESIGNED_VALIDITY_SECONDS or at > now + PRESIGNED_VALIDITY_SECONDS:
        earliest = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - PRESIGNED_VALIDITY_SECONDS))
        raise SigV4Refusal(
            "SignatureDoesNotMatch",
            f"Signature expired: {long_date} is now earlier than {earliest} "
            f"({time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))} - 15 min.)",
        )


def presigned_sts(environ: dict[str, Any]) -> bool:
    query = environ.get("QUERY_STRING", "")
    if "X-Amz-Signature=" not in query or environ.get("HTTP_AUTHORIZATION"):
        return False
    credential = dict(query_pairs(query)).get("X-Amz-Credential", "").split("/")
    return len(credential) == 5 and credential[3] == "sts"


def sts_error(start_response: Any, refusal: SigV4Refusal) -> list[bytes]:
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>{refusal.code}</Code><Message>{xml_escape(refusal.message)}</Message></Error>"
        f"<RequestId>{secrets.token_hex(16)}</RequestId></ErrorResponse>"
    ).encode()
    start_response("403 Forbidden", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
    return [body]


class SwitchyardDispatcher(moto_server.DomainDispatcherApplication):
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if presigned_sts(environ):
            try:
                verify_presigned(environ, time.time())
            except SigV4Refusal as refusal:
                return sts_error(start_response, refusal)
            # Verified: moto routes and identifies a request by its Authorization header, so it gets one naming the key.
            credential = dict(query_pairs(environ.get("QUERY_STRING", "")))["X-Amz-Credential"]
            environ["HTTP_AUTHORIZATION"] = f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=0"
            return super().__call__(environ, start_response)
        if not path.startswith("/_switchyard/"):
            return super().__call__(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
            status, payload = handle_plugin_request(environ["REQUEST_METHOD"], path, body)
        except (KeyError, ValueError, TypeError) as error:
            status, payload = 400, {"error": f"bad request: {error!r}"}
        data = json.dumps(payload).encode()
        start_response(f"{status} {'OK' if status == 200 else 'ERROR'}", [("Content-Type", "application/json")])
        return [data]


moto_server.DomainDispatcherApplication = SwitchyardDispatcher

if __name__ == "__main__":
    sys.exit(moto_server.main())
