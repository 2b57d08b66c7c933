/** Error messages that reach the logs never carry a phone number or a chat id. */
import { describe, expect, it } from "vitest";
import { errorInfo } from "../src/util/errors.js";

describe("errorInfo", () => {
  it("keeps the type and message, masking long numbers", () => {
    const err = Object.assign(new Error('E11000 duplicate key error dup key: { _id: "whatsapp:false_5217221234567@c.us_3EB0" }'), { name: "MongoServerError" });
    const info = errorInfo(err);
    expect(info.type).toBe("MongoServerError");
    expect(info.message).not.toContain("5217221234567");
    expect(info.message).toContain("duplicate key");
    expect(errorInfo(new Error("connect ECONNREFUSED 127.0.0.1:27017")).message).toBe("connect ECONNREFUSED 127.0.0.1:27017");
    expect(errorInfo(undefined)).toEqual({ type: undefined, message: undefined });
  });
});
