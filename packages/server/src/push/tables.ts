/** Row types of the push plugin's tables (see migrations.ts). */
export interface PushTables {
  push_vapid: { id: string; public_key: string; private_key: string; created_at: number };
  push_subscriptions: {
    id: string;
    endpoint: string;
    account_id: string;
    p256dh: string;
    auth: string;
    expiration_time: number | null;
    created_at: number;
    updated_at: number;
  };
  push_jobs: {
    id: string;
    subscription_id: string;
    /** Copies of the subscription's, null only for jobs queued before migration 002 whose subscription is gone. */
    endpoint: string | null;
    p256dh: string | null;
    auth: string | null;
    payload: string;
    ttl_seconds: number;
    urgency: string | null;
    topic: string | null;
    state: JobState;
    attempts: number;
    lease: string | null;
    last_error: string | null;
    created_at: number;
    expires_at: number;
    run_at: number;
  };
}

/** `queued` until sent (then deleted); `failed` when refused for good; `dead` when the retries ran out. */
export type JobState = 'queued' | 'failed' | 'dead';
