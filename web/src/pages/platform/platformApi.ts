import { api } from '../../api';
import type { ApproveResponse, QueuePage, Registration, RegistrationDetail } from '../../types';

const base = '/platform/registrations';

export const QUEUE_STATUS_FILTERS = ['submitted', 'approved', 'rejected', 'draft', 'withdrawn', 'all'] as const;
export type QueueStatusFilter = (typeof QUEUE_STATUS_FILTERS)[number];

export const platformApi = {
  list: (params: { status: QueueStatusFilter; q?: string; page: number; pageSize: number }, signal?: AbortSignal) =>
    api.get<QueuePage>(base, {
      query: { status: params.status, q: params.q, page: params.page, pageSize: params.pageSize },
      signal,
    }),
  detail: (id: string) => api.get<RegistrationDetail>(`${base}/${encodeURIComponent(id)}`),
  licenseUrl: (id: string) => `/api/v1${base}/${encodeURIComponent(id)}/license`,
  approve: (id: string, comment?: string) =>
    api.post<ApproveResponse>(`${base}/${encodeURIComponent(id)}/approve`, comment ? { comment } : {}),
  reject: (id: string, reasons: string[], comment: string) =>
    api.post<Registration>(`${base}/${encodeURIComponent(id)}/reject`, { reasons, comment }),
};
