/** Something inside the in-memory broker that may have work left (a delivery loop, a producer, a rebalance). */
export interface Activity {
  /** Why it is busy, or undefined when it is idle. */
  busyReason(): string | undefined;
}

/** The set of live activities; the broker is idle when none of them is busy. */
export class ActivityRegistry {
  private readonly activities = new Set<Activity>();

  /** Registers `activity` until the returned function is called. */
  add(activity: Activity): () => void {
    this.activities.add(activity);
    return () => this.activities.delete(activity);
  }

  /** Reasons of every busy activity; empty when all are idle. */
  busyReasons(): string[] {
    const reasons: string[] = [];
    for (const activity of this.activities) {
      const reason = activity.busyReason();
      if (reason !== undefined) reasons.push(reason);
    }
    return reasons;
  }

  isIdle(): boolean {
    for (const activity of this.activities) {
      if (activity.busyReason() !== undefined) return false;
    }
    return true;
  }
}
