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
