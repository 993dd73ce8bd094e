import { api } from '../../../api';
import type { DiffPart, Template } from '../contractsApi';

export type FieldType = 'text' | 'number' | 'date' | 'amount' | 'select';

export interface FieldDefinition {
  key: string;
  labelZh: string;
  labelEn: string;
  type: FieldType;
  required: boolean;
  options: string[];
}

export interface Person {
  id: string;
  name: string;
  department: string | null;
  canSign: boolean;
  canApprove: boolean;
}

export interface Notification {
  id: string;
  kind: string;
  contractId: string | null;
  params: { number?: string; title?: string; endDate?: string; daysLeft?: number };
  readAt: string | null;
  createdAt: string;
}

export interface MetaChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface WorkflowStep {
  name: string;
  approver: { kind: 'role'; role: string } | { kind: 'user'; userId: string } | { kind: 'department_head' };
  mode: 'any' | 'all';
  when?: { minAmountFen?: number; types?: string[]; sensitivities?: string[] };
}

export interface ContractSettings {
  watermarkDownloads: boolean;
  retentionYears: number;
  signingReminderDays: number;
  signingReminderMax: number;
  approvalOverdueDays: number;
  expiryReminderDays: number[];
}

export const uxApi = {
  fields: () => api.get<FieldDefinition[]>('/contract-fields'),
  saveFields: (fields: FieldDefinition[]) => api.put<FieldDefinition[]>('/contract-fields', { fields }),
  people: (q?: string) => api.get<Person[]>('/contract-people', { query: { q } }),
  departments: () => api.get<Array<{ id: string; name: string }>>('/contract-departments'),
  follow: (id: string, on: boolean) =>
    on ? api.post<{ following: boolean }>(`/contracts/${id}/follow`) : api.delete<{ following: boolean }>(`/contracts/${id}/follow`),
  notifications: () => api.get<Notification[]>('/contract-notifications'),
  unread: () => api.get<{ unread: number }>('/contract-notifications/unread-count'),
  markRead: (id: string) => api.post<{ unread: number }>(`/contract-notifications/${id}/read`),
  markAllRead: () => api.post<{ unread: number }>('/contract-notifications/read-all'),
  diff: (id: string, from: number, to: number) => api.get<{ parts: DiffPart[]; metadata: MetaChange[] | null }>(`/contracts/${id}/diff`, { query: { from, to, mode: 'word' } }),
  terminate: (id: string) => api.post<unknown>(`/contracts/${id}/terminate`),
  workflow: () => api.get<{ id: string; name: string; steps: WorkflowStep[] } | null>('/contract-workflow'),
  saveWorkflow: (body: { name: string; steps: WorkflowStep[] }) => api.put<unknown>('/contract-workflow', body),
  templates: () => api.get<Template[]>('/contract-templates'),
  createTemplate: (body: { name: string; type: string; variables: Template['variables']; body: string }) => api.post<Template>('/contract-templates', body),
  updateTemplate: (id: string, body: { name: string; type: string; variables: Template['variables']; body: string }) => api.put<Template>(`/contract-templates/${id}`, body),
  settings: () => api.get<ContractSettings>('/contract-settings'),
  saveSettings: (body: Partial<ContractSettings>) => api.patch<ContractSettings>('/contract-settings', body),
};
