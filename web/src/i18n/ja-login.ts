// Japanese texts of the login page: loaded with it (components/App.tsx, i18n/index.ts
// loadLoginTexts), so a page with a session never fetches them. English is in en.ts.
const jaLogin = {
  appTagline: '自治体職員のためのビジネスチャット',
  loginTitle: 'ログイン',
  tenantCode: '自治体コード',
  loginId: 'ログインID',
  password: 'パスワード',
  loginButton: 'ログイン',
  loggingIn: 'ログイン中…',
  loginFailed: '自治体コード、ログインIDまたはパスワードが正しくありません。',
  loginRateLimited: 'ログインの試行回数が多すぎます。{n}分ほど待ってから再度お試しください。',
  loginBusy: 'ただいまログインが混み合っています。{n}秒ほど待ってから再度お試しください。',
  loginZoneForbidden: 'このアカウントはインターネット側からの利用が許可されていません。管理者にお問い合わせください。',
};

export default jaLogin;
export type LoginTexts = typeof jaLogin;
