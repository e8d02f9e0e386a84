/** An asynchronous external service the processor calls, e.g. an HTTP API that sends emails. */
export interface MailService {
  send(to: string, text: string): Promise<void>;
}

/** A delivered mail, in the order deliveries completed. */
export interface Delivery {
  readonly to: string;
  readonly text: string;
}

/**
 * A stand-in for a remote mail API: every call takes a random 5-50 ms, so calls finish out of order
 * like real network calls do. `failFor` makes calls for one recipient fail, to show what a failed
 * deferred commit does.
 */
export class FakeMailService implements MailService {
  readonly deliveries: Delivery[] = [];

  constructor(private readonly options: { failFor?: string; latencyMs?: [min: number, max: number] } = {}) {}

  async send(to: string, text: string): Promise<void> {
    const [min, max] = this.options.latencyMs ?? [5, 50];
    await new Promise((resolve) => setTimeout(resolve, min + Math.random() * (max - min)));
    if (to === this.options.failFor) throw new Error(`mail service: mailbox of ${to} is unavailable`);
    this.deliveries.push({ to, text });
  }
}
