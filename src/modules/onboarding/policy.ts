/**
 * Who may do what with registrations.
 * - Anyone may start an application; only the holder of its resume token may read or change it.
 * - Platform operators with the reviewer role (or super admins) work the review queue; each view of an
 *   application or its license is audited.
 * - An application is editable while draft or rejected; submitted ones wait for one decision per version.
 */
export const REVIEW_ROLES = ['reviewer'] as const;
