import { Typography } from 'antd';
import type { TFunction } from 'i18next';
import i18n from '../../i18n';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../format';

/** Kind prefixes offered by the history filter (the API filters by prefix). */
export const HISTORY_GROUPS = ['role', 'user', 'department', 'entitlements', 'request', 'tenant', 'audit_settings', 'api_key'];

/** Fields stored only to label another one (names next to ids), or of no interest to a reader. */
const HIDDEN = new Set(['roleNames', 'departmentName', 'parentName', 'head', 'invitationId']);

type Obj = Record<string, unknown>;

export function historyKindLabel(t: TFunction, kind: string): string {
  return t(`access.historyKind.${kind.replace(/\./g, '_')}`, { defaultValue: kind });
}

/** Who or what a history entry is about, readable (a request or the tenant have no label of their own). */
export function historySubject(t: TFunction, h: { subjectType: string; subjectId: string | null; subjectLabel: string | null; tenantName: string }): string {
  if (h.subjectLabel) return h.subjectLabel;
  if (h.subjectType === 'tenant') return h.tenantName;
  if (h.subjectType === 'request') return t('access.history.requestSubject', { id: (h.subjectId ?? '').slice(0, 8) });
  return h.subjectId ?? h.subjectType;
}

export function denyReasonLabel(t: TFunction, reason: string): string {
  return t(`access.denyReason.${reason}`, { defaultValue: reason });
}

const perm = (t: TFunction, p: string) => t(`perms.${p}`, { defaultValue: p });
const isEn = () => (i18n.resolvedLanguage ?? i18n.language ?? '').startsWith('en');
const join = (t: TFunction, xs: string[]) => (xs.length ? xs.join(isEn() ? ', ' : '、') : t('access.history.none'));

/** One stored value as a reader sees it: level, scope, module, permission and role names instead of codes. */
function valueOf(t: TFunction, fmt: ReturnType<typeof useFormat>, kind: string, key: string, side: Obj): string {
  const v = side[key];
  const none = t('access.history.none');
  switch (key) {
    case 'roles': {
      const keys = (v as string[] | undefined) ?? [];
      const names = (side.roleNames as string[] | undefined) ?? [];
      return join(t, keys.map((k, i) => (k.startsWith('custom_') ? (names[i] ?? k) : t(`roles.${k}`, { defaultValue: names[i] ?? k }))));
    }
    case 'roleIds':
      return t('access.history.roleCount', { n: ((v as string[] | undefined) ?? []).length });
    case 'clearance':
    case 'tier':
      return v ? t(`access.level.${String(v)}`, { defaultValue: String(v) }) : none;
    case 'scope':
      return v ? t(`access.scope.${String(v)}`, { defaultValue: String(v) }) : none;
    case 'modules':
      return join(t, ((v as string[] | undefined) ?? []).map((m) => t(`access.module.${m}`, { defaultValue: m })));
    case 'module':
      return v ? t(`access.module.${String(v)}`, { defaultValue: String(v) }) : none;
    case 'permissions':
      return join(t, ((v as string[] | undefined) ?? []).map((p) => perm(t, p)));
    case 'sodPairs':
      return join(t, ((v as Array<[string, string]> | undefined) ?? []).map(([a, b]) => `${perm(t, a)} ↔ ${perm(t, b)}`));
    case 'type':
      return v ? t(`access.requestType.${String(v)}`, { defaultValue: String(v) }) : none;
    case 'status': {
      if (!v) return none;
      const ns = kind.startsWith('tenant.') ? 'tenantStatus' : kind.startsWith('request.') ? 'requestStatus' : kind.startsWith('user.invite') ? 'invitations.statuses' : 'userStatus';
      return t(`access.${ns}.${String(v)}`, { defaultValue: String(v) });
    }
    case 'departmentId':
      return v ? ((side.departmentName as string | undefined) ?? t('access.history.deleted')) : none;
    case 'parentId':
      return v ? ((side.parentName as string | undefined) ?? t('access.history.deleted')) : t('access.departments.none');
    case 'headUserId':
      return v ? ((side.head as string | undefined) ?? t('access.history.deleted')) : t('access.departments.noHead');
    case 'effectiveFrom':
      return v ? fmt.dateTime(String(v)) : none;
    default:
      if (v === null || v === undefined || v === '') return none;
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

/**
 * A history entry's before → after as labelled, readable lines. Only changed fields are shown; a creation
 * shows what was created, a deletion what was deleted.
 */
export function HistoryChange({ kind, before, after }: { kind: string; before: unknown; after: unknown }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const b = (before && typeof before === 'object' ? before : null) as Obj | null;
  const a = (after && typeof after === 'object' ? after : null) as Obj | null;
  const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])].filter((k) => !HIDDEN.has(k));
  const lines = keys
    .map((k) => {
      // With both sides, a field only "before" was context (e.g. the entitlements a request started from), not a change.
      if (b && a && !(k in a)) return null;
      if (b && a && !(k in b) && (a[k] === null || a[k] === undefined)) return null;
      const bv = b && k in b ? valueOf(t, fmt, kind, k, b) : null;
      const av = a && k in a ? valueOf(t, fmt, kind, k, a) : null;
      if (b && a && bv === av) return null;
      return { k, bv, av };
    })
    .filter((x): x is { k: string; bv: string | null; av: string | null } => !!x);
  if (!lines.length) return null;
  return (
    <div style={{ fontSize: 12 }}>
      {lines.map(({ k, bv, av }) => (
        <div key={k} data-testid="history-change">
          <Typography.Text type="secondary">{t(`access.historyField.${k}`, { defaultValue: k })}{isEn() ? ': ' : '：'}</Typography.Text>
          {bv !== null && av !== null ? (
            <>
              <Typography.Text delete type="secondary">{bv}</Typography.Text> → <Typography.Text>{av}</Typography.Text>
            </>
          ) : av !== null ? (
            <Typography.Text>{av}</Typography.Text>
          ) : (
            <Typography.Text delete>{bv}</Typography.Text>
          )}
        </div>
      ))}
    </div>
  );
}
