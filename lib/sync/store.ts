import type { LinkState, RunCounts, Side } from "./types";

/** Where the status table lives: Postgres in production, a Map in fast tests. */
export interface LinkStore {
  list(): Promise<LinkState[]>;
  insert(link: LinkState): Promise<void>;
  /** Inserts several rows in one statement: all of them, or none (then the caller tries each alone). */
  insertMany(links: LinkState[]): Promise<void>;
  update(link: LinkState): Promise<void>;
  /** Updates several rows in one statement: all of them, or none. */
  updateMany(links: LinkState[]): Promise<void>;
  remove(id: string): Promise<void>;
  /** Drops `oldId` and inserts `link` in one step (a restore under a new link). */
  replace(oldId: string, link: LinkState): Promise<void>;
}

export interface RunEventRecord {
  action: string;
  side: Side | null;
  ref: string | null;
  outcome: "ok" | "failed" | "skipped";
  detail: string | null;
}

/** Per-event outcomes of a pass, by reference only. */
export interface RunRecorder {
  event(record: RunEventRecord): void;
  flush(): Promise<void>;
}

export class MemoryLinkStore implements LinkStore {
  readonly rows = new Map<string, LinkState>();
  private readonly byA = new Map<string, string>();
  private readonly byB = new Map<string, string>();
  /** Called before each store write; throw to simulate a crash at that point. */
  hook: ((op: "insert" | "update" | "remove" | "replace", id: string) => void) | null = null;

  async list() {
    return [...this.rows.values()].map((l) => ({ ...l }));
  }
  async insert(link: LinkState) {
    this.hook?.("insert", link.id);
    this.put(link);
  }
  async insertMany(links: LinkState[]) {
    for (const l of links) this.hook?.("insert", l.id);
    this.putAll(links);
  }
  async update(link: LinkState) {
    this.hook?.("update", link.id);
    this.put(link);
  }
  async updateMany(links: LinkState[]) {
    for (const l of links) this.hook?.("update", l.id);
    this.putAll(links);
  }
  /** All rows or none, as one statement would. */
  private putAll(links: LinkState[]) {
    const before = new Map(links.map((l) => [l.id, this.rows.get(l.id)]));
    const done: LinkState[] = [];
    try {
      for (const l of links) {
        this.put(l);
        done.push(l);
      }
    } catch (e) {
      for (const l of done.reverse()) {
        this.drop(l.id);
        const old = before.get(l.id);
        if (old) this.put(old);
      }
      throw e;
    }
  }
  async remove(id: string) {
    this.hook?.("remove", id);
    this.drop(id);
  }
  async replace(oldId: string, link: LinkState) {
    this.hook?.("replace", link.id);
    const old = this.rows.get(oldId);
    this.drop(oldId);
    try {
      this.put(link);
    } catch (e) {
      if (old) this.put(old);
      throw e;
    }
  }
  private drop(id: string) {
    const r = this.rows.get(id);
    if (!r) return;
    if (r.refA) this.byA.delete(r.refA);
    if (r.refB) this.byB.delete(r.refB);
    this.rows.delete(id);
  }
  /** Enforces the same uniqueness the database does: (sync, ref_a) and (sync, ref_b). */
  private put(link: LinkState) {
    const a = link.refA ? this.byA.get(link.refA) : undefined;
    const b = link.refB ? this.byB.get(link.refB) : undefined;
    if ((a && a !== link.id) || (b && b !== link.id)) throw new Error(`duplicate link reference ${link.refA ?? link.refB}`);
    this.drop(link.id);
    this.rows.set(link.id, { ...link });
    if (link.refA) this.byA.set(link.refA, link.id);
    if (link.refB) this.byB.set(link.refB, link.id);
  }
}

export class MemoryRecorder implements RunRecorder {
  readonly records: RunEventRecord[] = [];
  event(record: RunEventRecord) {
    this.records.push(record);
  }
  async flush() {}
}

export function sumCounts(a: RunCounts, b: RunCounts): RunCounts {
  return { created: a.created + b.created, updated: a.updated + b.updated, deleted: a.deleted + b.deleted, skipped: a.skipped + b.skipped, failed: a.failed + b.failed };
}
