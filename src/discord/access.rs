//! Who may do what: the server-side moderator check behind moderator commands and the Delete
//! button. Discord's `default_member_permissions` only hides commands, and server admins can
//! change it, so the bot checks again on every use.

use serenity::all::{Member, Permissions, RoleId};

/// Whether a member is a moderator: one of `moderator_roles` when any are configured, otherwise
/// the Manage Server (or Administrator) permission as Discord computed it for the interaction.
pub(crate) fn is_moderator(
    roles: &[RoleId],
    permissions: Option<Permissions>,
    moderator_roles: &[u64],
) -> bool {
    if moderator_roles.is_empty() {
        return permissions.is_some_and(|p| p.manage_guild() || p.administrator());
    }
    roles
        .iter()
        .any(|role| moderator_roles.contains(&role.get()))
}

/// [`is_moderator`] for an interaction's member; `None` (a DM) is never a moderator.
pub(crate) fn member_is_moderator(member: Option<&Member>, moderator_roles: &[u64]) -> bool {
    member.is_some_and(|m| is_moderator(&m.roles, m.permissions, moderator_roles))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Member roles, member permissions, configured roles, expected.
    type Case<'a> = (&'a [RoleId], Option<Permissions>, &'a [u64], bool);

    #[test]
    fn moderators() {
        let manage = Some(Permissions::MANAGE_GUILD | Permissions::SEND_MESSAGES);
        let admin = Some(Permissions::ADMINISTRATOR);
        let plain = Some(Permissions::SEND_MESSAGES | Permissions::VIEW_CHANNEL);
        let moderator_role = [RoleId::new(5)];
        let other_role = [RoleId::new(6)];
        let cases: [Case<'_>; 9] = [
            (&[], manage, &[], true),
            (&[], admin, &[], true),
            (&[], plain, &[], false),
            (&[], None, &[], false),
            (&moderator_role, plain, &[5], true),
            (&other_role, plain, &[5], false),
            (&other_role, manage, &[5], false),
            (&[], admin, &[5], false),
            (&[RoleId::new(6), RoleId::new(5)], None, &[4, 5], true),
        ];
        for (i, (roles, permissions, configured, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                is_moderator(roles, permissions, configured),
                expected,
                "case {i}"
            );
        }
    }
}
