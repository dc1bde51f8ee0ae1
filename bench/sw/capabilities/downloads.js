// Downloads alone: the worker's Background Fetch events and the answers from the downloads store.
import { handleDownloads } from '@outpost/pwa/sw';

handleDownloads({ downloadsPage: '/music' });
