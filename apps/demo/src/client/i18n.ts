import { computed, signal } from '@preact/signals';

const en = {
  appName: 'Outpost',
  tagline: 'Works offline, keeps working after the tab closes.',
  navLabel: 'Sections',
  'section.music': 'Music',
  'section.mail': 'Mail',
  'section.chat': 'Chat',
  'section.news': 'News',
  'section.music.soon':
    'Download albums and play them offline, with seeking. Downloads keep going when you close the tab.',
  'section.mail.soon': 'Write mail offline. It goes out by itself when the network comes back, exactly once.',
  'section.chat.soon': 'Messages arrive as push notifications, with a badge counting the unread ones.',
  'section.news.soon': 'Fresh stories are fetched in the background, so the news is there when you open the app.',
  'mail.compose': 'Compose',
  'mail.outbox': 'Outbox',
  'mail.inbox': 'Inbox',
  'mail.sent': 'Sent',
  'mail.folders': 'Mail folders',
  'mail.to': 'To',
  'mail.toHint': 'Another account of this app.',
  'mail.subject': 'Subject',
  'mail.body': 'Message',
  'mail.send': 'Send',
  'mail.newDraft': 'New draft',
  'mail.drafts': 'Drafts on this device',
  'mail.draftSaved': 'Draft saved on this device.',
  'mail.noSubject': '(no subject)',
  'mail.queued': 'In the outbox: it goes out as soon as the server can be reached, even if you close this tab.',
  'mail.signInFirst': 'Sign in to read and write mail.',
  'mail.outboxEmpty': 'Nothing waiting to be sent.',
  'mail.empty': 'No messages.',
  'mail.from': 'From',
  'mail.stale': 'Could not reach the server: this is the last copy seen.',
  'mail.storage': 'Stored on this device',
  'outbox.state.pending': 'Waiting to send',
  'outbox.state.sending': 'Sending…',
  'outbox.state.sent': 'Delivered',
  'outbox.state.failed': 'Not sent',
  'outbox.state.needs-sign-in': 'Sign in to send',
  'outbox.attempts': 'Attempts',
  'outbox.retry': 'Retry',
  'outbox.cancel': 'Cancel',
  'news.empty': 'No news on this device yet: it arrives with the first refresh.',
  'news.read': 'Read',
  'news.close': 'Close',
  'news.notCached': 'This article is not on this device.',
  'news.never': 'Not refreshed yet.',
  'news.updated': 'Updated {ago}.',
  'news.updatedJustNow': 'Updated just now.',
  'news.refreshNow': 'Refresh now',
  'news.outcome.failed': 'The last refresh failed.',
  'news.outcome.timed-out': 'The last refresh took too long and was stopped.',
  'news.settings': 'News settings',
  'news.background': 'Refresh news in the background',
  'news.tags': 'Registered',
  'news.state.registered': 'News is refreshed in the background, even when the app is closed.',
  'news.state.denied': 'Background refresh is blocked for this site: news is refreshed whenever you open the app.',
  'news.state.not-installed':
    'Install the app to refresh news in the background; until then it is refreshed whenever you open it.',
  'news.state.unsupported':
    'This browser cannot refresh in the background: news is refreshed whenever you open the app.',
  'news.state.pending': 'Setting up background refresh…',
  'news.state.off': 'Background refresh is off: news changes only when you refresh it.',
  comingNext: 'Coming next',
  online: 'Online',
  offline: 'Offline',
  offlineReady: 'Ready to work offline.',
  updateAvailable: 'A new version is available.',
  updateNow: 'Update',
  language: 'Language',
  account: 'Account',
  signIn: 'Sign in',
  signUp: 'Sign up',
  signOut: 'Sign out',
  signedInAs: 'Signed in as',
  username: 'Username',
  password: 'Password',
  usernameHint: '3 to 32 letters, digits, dots, dashes or underscores.',
  passwordHint: 'At least 8 characters.',
  haveAccount: 'Have an account? Sign in',
  needAccount: 'New here? Create an account',
  working: 'Working…',
  networkError: 'Could not reach the server. Are you offline?',
  accountOffline: 'Your account shows up here once the server can be reached.',
  notFound: 'There is nothing here.',
  home: 'Home',
  welcome: 'Welcome to Outpost',
  welcomeBody: 'Pick a section. Everything you see here is cached by a service worker and loads without a network.',
};

/** Every string the app shows; each language must provide all of them (the type checker enforces it). */
export type Strings = typeof en;

const zhCN: Strings = {
  appName: 'Outpost',
  tagline: '离线可用，关闭标签页后仍在后台工作。',
  navLabel: '栏目',
  'section.music': '音乐',
  'section.mail': '邮件',
  'section.chat': '聊天',
  'section.news': '新闻',
  'section.music.soon': '下载专辑后可离线播放并随意拖动进度。关闭标签页后下载仍会继续。',
  'section.mail.soon': '离线写邮件，网络恢复后自动发送，且只发送一次。',
  'section.chat.soon': '新消息以推送通知送达，图标上的角标显示未读数量。',
  'section.news.soon': '后台定期获取最新报道，打开应用时新闻已经就绪。',
  'mail.compose': '写邮件',
  'mail.outbox': '发件箱',
  'mail.inbox': '收件箱',
  'mail.sent': '已发送',
  'mail.folders': '邮件文件夹',
  'mail.to': '收件人',
  'mail.toHint': '本应用的其他账户。',
  'mail.subject': '主题',
  'mail.body': '正文',
  'mail.send': '发送',
  'mail.newDraft': '新草稿',
  'mail.drafts': '本设备上的草稿',
  'mail.draftSaved': '草稿已保存在本设备。',
  'mail.noSubject': '（无主题）',
  'mail.queued': '已放入发件箱：一旦能连接服务器就会发送，即使关闭此标签页。',
  'mail.signInFirst': '登录后即可收发邮件。',
  'mail.outboxEmpty': '没有待发送的邮件。',
  'mail.empty': '没有邮件。',
  'mail.from': '发件人',
  'mail.stale': '无法连接服务器：显示的是上次看到的内容。',
  'mail.storage': '本设备已用存储',
  'outbox.state.pending': '等待发送',
  'outbox.state.sending': '正在发送…',
  'outbox.state.sent': '已送达',
  'outbox.state.failed': '未能发送',
  'outbox.state.needs-sign-in': '登录后发送',
  'outbox.attempts': '尝试次数',
  'outbox.retry': '重试',
  'outbox.cancel': '取消',
  'news.empty': '本设备上还没有新闻：第一次刷新后就会出现。',
  'news.read': '阅读',
  'news.close': '收起',
  'news.notCached': '这篇文章不在本设备上。',
  'news.never': '尚未刷新。',
  'news.updated': '更新于{ago}。',
  'news.updatedJustNow': '刚刚更新。',
  'news.refreshNow': '立即刷新',
  'news.outcome.failed': '上次刷新失败。',
  'news.outcome.timed-out': '上次刷新耗时过长，已被停止。',
  'news.settings': '新闻设置',
  'news.background': '在后台刷新新闻',
  'news.tags': '已注册',
  'news.state.registered': '新闻会在后台刷新，即使应用已关闭。',
  'news.state.denied': '此网站的后台刷新已被阻止：每次打开应用时刷新新闻。',
  'news.state.not-installed': '安装应用后即可在后台刷新新闻；在此之前，每次打开应用时刷新。',
  'news.state.unsupported': '此浏览器无法在后台刷新：每次打开应用时刷新新闻。',
  'news.state.pending': '正在设置后台刷新…',
  'news.state.off': '后台刷新已关闭：只有手动刷新时新闻才会更新。',
  comingNext: '即将推出',
  online: '在线',
  offline: '离线',
  offlineReady: '已可离线使用。',
  updateAvailable: '有新版本可用。',
  updateNow: '更新',
  language: '语言',
  account: '账户',
  signIn: '登录',
  signUp: '注册',
  signOut: '退出登录',
  signedInAs: '当前用户',
  username: '用户名',
  password: '密码',
  usernameHint: '3 到 32 个字母、数字、点、连字符或下划线。',
  passwordHint: '至少 8 个字符。',
  haveAccount: '已有账户？登录',
  needAccount: '第一次来？创建账户',
  working: '处理中…',
  networkError: '无法连接服务器，您是否处于离线状态？',
  accountOffline: '连接到服务器后，这里会显示您的账户。',
  notFound: '这里什么都没有。',
  home: '首页',
  welcome: '欢迎使用 Outpost',
  welcomeBody: '请选择一个栏目。这里的一切都由 Service Worker 缓存，没有网络也能打开。',
};

/** The languages the app ships, with the name each calls itself. */
export const LANGUAGES = { en: 'English', 'zh-CN': '简体中文' } as const;
/** A supported language tag. */
export type Language = keyof typeof LANGUAGES;

/** Every language's strings. */
export const DICTIONARIES: Readonly<Record<Language, Strings>> = { en, 'zh-CN': zhCN };
const STORAGE_KEY = 'outpost.language';

/** Picks the first supported language from the browser's preferences; any `zh` variant maps to zh-CN. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function initialLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved && saved in LANGUAGES) return saved as Language;
  return pickLanguage(globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? 'en']);
}

/** The current language; writing it re-renders every string and is remembered for the next visit. */
export const language = signal<Language>(initialLanguage());

/** The current dictionary. */
export const strings = computed(() => DICTIONARIES[language.value]);

/** Switches language, remembers the choice and updates `<html lang>`. */
export function setLanguage(next: Language): void {
  language.value = next;
  globalThis.localStorage?.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}
