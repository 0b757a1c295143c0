// The one place the UI drops stale answers. A request is asked for something on screen — the open node,
// the connection's tree, the pair of a diff, the text of the level being edited — named by its subject: a
// list of values read when the request starts. When the answer arrives and any of them has changed, the
// answer (or the error) is STALE, and nobody applies it.

export const STALE: unique symbol = Symbol('stale answer');
export type Stale = typeof STALE;

/** What a request is for: values read when it starts and again when its answer arrives. */
export type Subject = () => readonly unknown[];

function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/**
 * Runs `call`, asked for `subject()` as it is now. Its answer, or its error, is `STALE` if the subject has
 * changed by the time it arrives; otherwise the answer is returned and the error thrown.
 */
export async function request<R>(subject: Subject, call: () => Promise<R>): Promise<R | Stale> {
  const asked = subject();
  let answer: R;
  try {
    answer = await call();
  } catch (e) {
    if (!same(subject(), asked)) return STALE;
    throw e;
  }
  return same(subject(), asked) ? answer : STALE;
}

/**
 * A subject that changes only when told: what the state shows (the open node, the connection) or the
 * latest of a kind of request (the history page, the diff).
 */
export class Generation {
  #n = 0;

  /** What was asked until now is stale. */
  advance(): void {
    this.#n++;
  }

  /** Runs `call`; its answer is stale if `advance` is called before it arrives. */
  request<R>(call: () => Promise<R>): Promise<R | Stale> {
    return request(() => [this.#n], call);
  }

  /** Runs `call` as the latest of its kind: answers to the ones asked before become stale. */
  latest<R>(call: () => Promise<R>): Promise<R | Stale> {
    this.advance();
    return this.request(call);
  }
}
