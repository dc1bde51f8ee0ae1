// The Mail API's wire shape, the one contract the server and the page share. It imports nothing, so the
// page's project can type-check it under the DOM lib (it reaches it through a type-only import).

/** A message as the Mail API returns it. */
export interface MailMessage {
  id: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  sentAt: number;
}
