import { describe, expect, it } from "vitest";
import { addressProblem, classifyResponse, excerpt } from "./post-webhook.js";

describe("classifyResponse", () => {
  it.each([200, 201, 202, 204, 299])("%i succeeds", (status) => {
    expect(classifyResponse(status, "", "")).toEqual({ type: "Succeeded", status });
  });

  it.each([
    [301, "Moved Permanently", "", "webhook answered 301 Moved Permanently"],
    [
      400,
      "Bad Request",
      '{"error":"invalid payload"}',
      'webhook answered 400 Bad Request: {"error":"invalid payload"}',
    ],
    [401, "", "", "webhook answered 401"],
    [503, "Service Unavailable", "try\nlater", "webhook answered 503 Service Unavailable: try later"],
  ])("%i fails with the status and what the receiver said", (status, statusText, body, message) => {
    expect(classifyResponse(status, statusText, body)).toEqual({ type: "Failed", status, message });
  });

  it("keeps only the start of a long body", () => {
    const verdict = classifyResponse(500, "Internal Server Error", `<html>${"x".repeat(5000)}</html>`);
    expect(verdict.type).toBe("Failed");
    expect(verdict.type === "Failed" && verdict.message.length).toBeLessThan(300);
  });
});

describe("excerpt", () => {
  it("puts the body on one line and cuts it with an ellipsis", () => {
    expect(excerpt("  a\n  b  ")).toBe("a b");
    expect(excerpt("abcdef", 3)).toBe("abc…");
  });
});

describe("addressProblem", () => {
  it.each([
    ["https://hooks.example.com/services/T0/B0/x", false, undefined],
    ["http://relay.monitoring.svc:8080/hook", true, undefined],
    ["http://relay.monitoring.svc:8080/hook", false, 'is plain http:// (set key allowInsecure to "true" to allow it)'],
    ["ftp://files.example.com/x", true, "has scheme ftp, not https"],
    ["hooks.example.com/x", true, "is not an absolute URL"],
  ])("%s (allowInsecure %s): %s", (address, allowInsecure, problem) => {
    expect(addressProblem(address, allowInsecure)).toBe(problem);
  });

  it("never repeats the address, which may itself be a credential", () => {
    for (const address of ["http://x/s3cr3t", "gopher://x/s3cr3t", "s3cr3t"]) {
      expect(addressProblem(address, false)).not.toMatch(/s3cr3t/);
    }
  });
});
