import { redirect } from "next/navigation";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { CredentialsRejectedError, RateLimitedError } from "@/lib/errors";
import { action, providerErrorsAs } from "./action";

const session = vi.hoisted(() => ({ user: null as null | { id: string; email: string; name: string | null } }));
vi.mock("@/lib/auth", () => ({ auth: async () => (session.user ? { user: session.user } : null) }));

const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};

/** Where a thrown Next redirect sends the browser. */
async function redirectOf(p: Promise<unknown>): Promise<string> {
  const error = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { digest?: string } | null;
  expect(error?.digest).toMatch(/^NEXT_REDIRECT;/);
  return error!.digest!.split(";")[2];
}

interface State {
  error?: string;
  ok?: string;
}

const ran = vi.fn();
const rename = action(
  { returnTo: (f) => `/syncs/${String(f.get("syncId") ?? "")}`, input: z.object({ syncId: z.string().min(1), name: z.string().trim().min(1, "Give the sync a name.") }) },
  async (input, user): Promise<State> => {
    ran(input, user.id);
    if (input.name === "limited") throw new RateLimitedError("429 from the provider", 60_000);
    if (input.name === "broken") throw new Error("a bug");
    if (input.name === "away") redirect(`/syncs/${input.syncId}?saved=1`);
    return { ok: `Renamed to ${input.name}.` };
  },
);

beforeEach(() => {
  session.user = { id: "ann", email: "ann@example.com", name: null };
  ran.mockReset();
});

describe("server action wrapper", () => {
  it("sends a signed-out visitor to sign in, back to the action's page, and does nothing", async () => {
    session.user = null;
    expect(await redirectOf(rename({}, form({ syncId: "s1", name: "Work" })))).toBe("/sign-in?callbackUrl=%2Fsyncs%2Fs1");
    expect(ran).not.toHaveBeenCalled();
  });

  it("runs with the checked input and the signed-in user, called from a form or from useActionState", async () => {
    expect(await rename({}, form({ syncId: "s1", name: "  Work " }))).toEqual({ ok: "Renamed to Work." });
    expect(await rename(form({ syncId: "s1", name: "Home" }))).toEqual({ ok: "Renamed to Home." });
    expect(ran.mock.calls).toEqual([
      [{ syncId: "s1", name: "Work" }, "ann"],
      [{ syncId: "s1", name: "Home" }, "ann"],
    ]);
  });

  it("answers bad input with the first problem, in the action's words, and does nothing", async () => {
    expect(await rename({}, form({ syncId: "s1", name: "   " }))).toEqual({ error: "Give the sync a name." });
    const strict = action(
      { returnTo: "/x", input: z.object({ copies: z.enum(["remove", "keep"]) }), invalid: (): State => ({ error: "Choose remove or keep." }) },
      async () => {
        ran();
        return {};
      },
    );
    expect(await strict({}, form({ copies: "maybe" }))).toEqual({ error: "Choose remove or keep." });
    expect(ran).not.toHaveBeenCalled();
  });

  it("turns a provider's typed error into the form's answer, in plain words", async () => {
    const answer = await rename({}, form({ syncId: "s1", name: "limited" }));
    expect(answer.error).toMatch(/slow down/);
    expect(answer.error).not.toContain("429");
    const reconnect = action({ returnTo: "/x", input: z.object({}) }, async (): Promise<State> => {
      throw new CredentialsRejectedError("invalid_grant");
    });
    expect((await reconnect()).error).toMatch(/Reconnect the account/);
  });

  it("puts a provider's error where a field-by-field form shows it, keeping what was typed", async () => {
    interface Fields {
      values?: { name: string };
      errors?: { form?: string };
    }
    const connect = action(
      {
        returnTo: "/accounts/connect",
        input: z.object({ name: z.string() }),
        failed: providerErrorsAs((message, f): Fields => ({ values: { name: String(f.get("name")) }, errors: { form: message } })),
      },
      async (): Promise<Fields> => {
        throw new RateLimitedError("429", 1_000);
      },
    );
    const answer = await connect({}, form({ name: "Work" }));
    expect(answer.values).toEqual({ name: "Work" });
    expect(answer.errors?.form).toMatch(/slow down/);
  });

  it("lets the action choose its own answer to a failure", async () => {
    const sandbox = action({ returnTo: "/sandbox", input: z.object({}), failed: (): State => ({ error: "The sandbox is not running." }) }, async (): Promise<State> => {
      throw new Error("ECONNREFUSED");
    });
    expect(await sandbox()).toEqual({ error: "The sandbox is not running." });
  });

  it("lets an unexpected error and the action's own redirect through", async () => {
    await expect(rename({}, form({ syncId: "s1", name: "broken" }))).rejects.toThrow("a bug");
    expect(await redirectOf(rename({}, form({ syncId: "s1", name: "away" })))).toBe("/syncs/s1?saved=1");
  });
});
