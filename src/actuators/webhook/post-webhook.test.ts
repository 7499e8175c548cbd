import { describe, expect, it } from "vitest";
import { classifyResponse, excerpt } from "./post-webhook.js";

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
