{{- define "switchyard.name" -}}switchyard{{- end -}}

{{- define "switchyard.fullname" -}}
{{- if contains "switchyard" .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-switchyard" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "switchyard.labels" -}}
app.kubernetes.io/name: switchyard
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "switchyard.selectorLabels" -}}
app.kubernetes.io/name: switchyard
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "switchyard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "switchyard.fullname" .) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{/* The ServiceAccount names the controller may impersonate in a tenant's namespace: the default and any others. */}}
{{- define "switchyard.tenantServiceAccounts" -}}
{{- $names := list -}}
{{- with .Values.tenancy.defaultServiceAccount }}{{ $names = append $names . }}{{ end -}}
{{- range .Values.tenancy.serviceAccounts }}{{ $names = append $names . }}{{ end -}}
{{- $names | uniq | toJson -}}
{{- end -}}

{{/* The controller's rules in the namespaces it serves: the same in a ClusterRole and in a namespaced Role. */}}
{{- define "switchyard.controllerRules" -}}
# Read the four kinds (informers) and write their status.
- apiGroups: [switchyard.dev]
  resources: [regionpolicies, failoverplans, failoverruns, drillschedules]
  verbs: [get, list, watch]
- apiGroups: [switchyard.dev]
  resources: [regionpolicies/status, failoverplans/status, failoverruns/status, drillschedules/status]
  verbs: [get, patch, update]
# Automatic and drill runs are created, a drill's run is cancelled (patch), finished runs beyond historyLimit deleted.
- apiGroups: [switchyard.dev]
  resources: [failoverruns]
  verbs: [create, delete, patch]
# An Event for every decision and step.
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- $names := include "switchyard.tenantServiceAccounts" . | fromJsonArray }}
{{- if $names }}
# Plan steps, role state, workload reads, drill reports and kubeconfig Secret reads act as the tenant's ServiceAccount.
# Only these names: an empty resourceNames would allow every ServiceAccount, so the rule is left out without names.
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [impersonate]
  resourceNames: {{ $names | toJson }}
{{- end }}
{{- if .Values.tenancy.actAsController }}
# tenancy.actAsController (single-tenant installs only): what the tenant ServiceAccount would otherwise hold.
{{ include "switchyard.tenantRules" . }}
{{- end }}
{{- end -}}

{{/* What the levers do in a tenant's namespace (docs/tenancy.md): the tenant ServiceAccount's Role. */}}
{{- define "switchyard.tenantRules" -}}
# flag steps and role state read a key and patch it; drill reports create their ConfigMap
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, patch, create]
# scale steps and role state
- apiGroups: [apps]
  resources: [deployments/scale]
  verbs: [get, patch]
# workload signals
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get]
# job steps: a server-side dry run, then the Job, then its status
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, create]
# webhook tokens and the kubeconfig Secrets of peer regions
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
# plan readiness: whether a scale step's replicas fit the namespace's pod quota
- apiGroups: [""]
  resources: [resourcequotas]
  verbs: [list]
{{- end -}}

{{/*
The pods' affinity: .Values.affinity, plus the anti-affinity of podAntiAffinity unless it has its own. Losing one node
must never take the leader and its standby at once; soft, so a one-node cluster still runs both.
*/}}
{{- define "switchyard.affinity" -}}
{{- $affinity := deepCopy (.Values.affinity | default dict) -}}
{{- if and (not $affinity.podAntiAffinity) (ne .Values.podAntiAffinity "none") -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" (include "switchyard.selectorLabels" . | fromYaml)) -}}
{{- if eq .Values.podAntiAffinity "hard" -}}
{{- $_ := set $affinity "podAntiAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (list $term)) -}}
{{- else -}}
{{- $_ := set $affinity "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" 100 "podAffinityTerm" $term))) -}}
{{- end -}}
{{- end -}}
{{- toYaml $affinity -}}
{{- end -}}
