/** The body of `POST /api/push/subscriptions` for a subscription (and the endpoint it replaces). */
export function subscriptionBody(subscription: PushSubscription, oldEndpoint?: string): Record<string, unknown> {
  const json = subscription.toJSON();
  const body: Record<string, unknown> = { endpoint: subscription.endpoint, keys: json.keys ?? {} };
  if (typeof json.expirationTime === 'number') body.expirationTime = json.expirationTime;
  if (oldEndpoint && oldEndpoint !== subscription.endpoint) body.oldEndpoint = oldEndpoint;
  return body;
}
