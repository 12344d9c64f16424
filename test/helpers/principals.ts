export type Role = 'reader' | 'approver' | 'none';

const ROLES: Record<Role, string[]> = {
  reader: ['Gatekeeper.Reader'],
  approver: ['Gatekeeper.Approver'],
  none: ['Something.Else'],
};

/** An App Service Authentication principal header as App Service would set it (base64 JSON). */
export function principalHeader(
  role: Role,
  who: { readonly name?: string; readonly objectId?: string } = {},
): string {
  const name = who.name ?? (role === 'approver' ? 'approver@contoso.example' : 'reader@contoso.example');
  const objectId =
    who.objectId ??
    (role === 'approver' ? 'a0000000-0000-4000-8000-000000000001' : 'b0000000-0000-4000-8000-000000000002');
  return Buffer.from(
    JSON.stringify({
      auth_typ: 'aad',
      name_typ: 'name',
      role_typ: 'roles',
      claims: [
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: objectId },
        {
          typ: 'http://schemas.microsoft.com/identity/claims/tenantid',
          val: 'aaaaaaaa-0000-0000-0000-000000000001',
        },
        { typ: 'name', val: name },
        ...ROLES[role].map((r) => ({ typ: 'roles', val: r })),
      ],
    }),
  ).toString('base64');
}
