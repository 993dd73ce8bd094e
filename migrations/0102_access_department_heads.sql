-- Department heads (approvers of "department head" contract steps) live on the department itself.
ALTER TABLE departments ADD COLUMN head_user_id uuid;
ALTER TABLE departments ADD CONSTRAINT departments_head_fk FOREIGN KEY (tenant_id, head_user_id) REFERENCES users (tenant_id, id);
