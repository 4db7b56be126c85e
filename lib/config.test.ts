import { afterEach, describe, expect, it } from "vitest";
import { config, resetConfig } from "./config";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetConfig();
});

describe("APP_URL", () => {
  it("unset, follows the port the server listens on (any port works for OAuth redirects and emails)", () => {
    delete process.env.APP_URL;
    delete process.env.AUTH_URL;
    process.env.PORT = "3210";
    resetConfig();
    expect(config().appUrl).toBe("http://localhost:3210");
    // Next sets PORT once it listens (or moved off a busy port): read at each use.
    process.env.PORT = "3211";
    expect(config().appUrl).toBe("http://localhost:3211");
  });

  it("set, is used as given (a public address)", () => {
    process.env.APP_URL = "https://hetk.example.com/";
    process.env.PORT = "3210";
    resetConfig();
    expect(config().appUrl).toBe("https://hetk.example.com");
  });
});
