import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App as AntApp, ConfigProvider } from 'antd';
import type { Locale } from 'antd/es/locale';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import 'dayjs/locale/en';
import { useTranslation } from 'react-i18next';
import './i18n';
import { currentLanguage } from './i18n';
import { AuthProvider } from './auth';
import ReauthDialog from './components/ReauthDialog';
import App from './App';
import './styles.css';

const ANTD_LOCALES: Record<string, Locale> = { 'zh-CN': zhCN, en: enUS };

function Root() {
  useTranslation(); // re-render on language change
  const lng = currentLanguage();
  dayjs.locale(lng === 'en' ? 'en' : 'zh-cn');
  return (
    <ConfigProvider
      locale={ANTD_LOCALES[lng]}
      theme={{
        token: {
          colorPrimary: '#1f4e9c',
          colorLink: '#1f4e9c',
          borderRadius: 6,
          fontFamily:
            "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Helvetica Neue', Arial, sans-serif",
        },
        components: { Layout: { headerHeight: 56, bodyBg: '#f5f7fa' } },
      }}
    >
      <AntApp>
        <AuthProvider>
          <ReauthDialog />
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </AuthProvider>
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
