import { computed } from '@preact/signals';
import { type Language, language } from '../i18n';

// Chat's strings, kept apart from the shared dictionary (i18n.ts) so the sections grow without touching it.
const en = {
  conversations: 'Conversations',
  noOthers: 'No other accounts yet: create a second one (in another browser) to chat with it.',
  signInFirst: 'Sign in to chat.',
  pick: 'Pick a conversation.',
  write: 'Message',
  send: 'Send',
  sending: 'Waiting to send',
  failed: 'Not sent',
  empty: 'No messages yet.',
  stale: 'Could not reach the server: this is the last copy seen.',
  unread: 'unread',
  notifications: 'Notifications',
  'push.unsupported': 'This browser cannot receive push notifications here.',
  'push.denied': 'Notifications are blocked for this site. Allow them in the browser’s site settings to turn them on.',
  'push.prompt': 'Off. Turning them on asks the browser for permission.',
  'push.unsubscribed': 'Off.',
  'push.subscribed': 'On: new messages arrive as notifications, even with the app closed.',
  'push.busy': 'Working…',
  'push.error': 'Could not change notifications:',
};

const zhCN: typeof en = {
  conversations: '会话',
  noOthers: '还没有其他账户：在另一个浏览器中创建第二个账户来和它聊天。',
  signInFirst: '登录后即可聊天。',
  pick: '选择一个会话。',
  write: '消息',
  send: '发送',
  sending: '等待发送',
  failed: '未发送',
  empty: '还没有消息。',
  stale: '无法连接服务器：这是最后一次看到的内容。',
  unread: '未读',
  notifications: '通知',
  'push.unsupported': '此浏览器无法在这里接收推送通知。',
  'push.denied': '此网站的通知已被阻止。请在浏览器的网站设置中允许通知。',
  'push.prompt': '已关闭。开启时浏览器会请求权限。',
  'push.unsubscribed': '已关闭。',
  'push.subscribed': '已开启：即使应用已关闭，新消息也会以通知形式送达。',
  'push.busy': '处理中…',
  'push.error': '无法更改通知设置：',
};

const DICTIONARIES: Record<Language, typeof en> = { en, 'zh-CN': zhCN };

/** Chat's strings in the current language. */
export const chatStrings = computed(() => DICTIONARIES[language.value]);
