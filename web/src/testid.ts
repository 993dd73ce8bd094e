/**
 * `data-testid` for props objects of antd components whose TS types do not declare data-* attributes
 * (okButtonProps, onRow, ...). Spread it: `okButtonProps={{ danger: true, ...testId('confirm-reject') }}`.
 */
export function testId(id: string): object {
  return { 'data-testid': id };
}
