import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from './auth';
import i18n from './i18n';

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

function intlLocale(language: string): string {
  return language.startsWith('en') ? 'en-US' : 'zh-CN';
}

export function formatDateTime(value: string | null | undefined, language: string, timeZone = DEFAULT_TIME_ZONE): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  try {
    return new Intl.DateTimeFormat(intlLocale(language), {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(date);
  } catch {
    return date.toISOString();
  }
}

let displayTimeZone = DEFAULT_TIME_ZONE;
/** The signed-in tenant's zone (set by the auth provider); Asia/Shanghai otherwise. */
export function setDisplayTimeZone(zone: string | null | undefined): void {
  displayTimeZone = zone || DEFAULT_TIME_ZONE;
}
/** A date-time in the UI language and the display time zone, for code outside components' hooks. */
export function showDateTime(value: string | null | undefined): string {
  return formatDateTime(value, i18n.language, displayTimeZone);
}
/** A date only, in the display time zone. */
export function showDate(value: string | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(intlLocale(i18n.language), { timeZone: displayTimeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

export function formatFileSize(bytes: number, language: string): string {
  const nf = new Intl.NumberFormat(intlLocale(language), { maximumFractionDigits: 1 });
  if (bytes < 1024) return `${nf.format(bytes)} B`;
  if (bytes < 1024 * 1024) return `${nf.format(bytes / 1024)} KB`;
  return `${nf.format(bytes / (1024 * 1024))} MB`;
}

/** Formatting helpers bound to the UI language and the user's time zone (tenant zone, else Asia/Shanghai). */
export function useFormat() {
  const { i18n, t } = useTranslation();
  const { me } = useAuth();
  const language = i18n.language;
  const timeZone = me?.tenant?.timeZone || DEFAULT_TIME_ZONE;

  const dateTime = useCallback(
    (value: string | null | undefined) => formatDateTime(value, language, timeZone),
    [language, timeZone],
  );
  const fileSize = useCallback((bytes: number) => formatFileSize(bytes, language), [language]);
  const duration = useCallback(
    (seconds: number | null | undefined) => {
      if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
      const s = Math.max(0, Math.floor(seconds));
      if (s < 60) return t('duration.lessThanMinute');
      if (s < 3600) return t('duration.minutes', { count: Math.floor(s / 60) });
      if (s < 86400) return t('duration.hours', { count: Math.floor(s / 3600) });
      return t('duration.days', { count: Math.floor(s / 86400) });
    },
    [t],
  );
  return useMemo(() => ({ dateTime, fileSize, duration, timeZone }), [dateTime, fileSize, duration, timeZone]);
}
