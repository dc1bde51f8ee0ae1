// Lifecycle alone: claim clients, skip waiting on the page's request.
import { handleLifecycle } from '@outpost/pwa/sw';

handleLifecycle();
