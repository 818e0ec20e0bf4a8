//! The states stored as text, each an enum with one mapping to its stored
//! word (`as_str`, and its inverse `FromStr`), used by diesel on both
//! backends: no state is spelled anywhere else.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

/// Defines a text-stored enum: its words, `as_str`, `FromStr`, `Display`,
/// and diesel's `ToSql`/`FromSql` for `Text` on any backend.
macro_rules! stored_text {
    ($(#[$meta:meta])* $name:ident, what: $what:literal, { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored word.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownWord;
            fn from_str(s: &str) -> Result<Self, UnknownWord> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(UnknownWord {
                        what: $what,
                        word: s.to_string(),
                        known: &[$($word),+],
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let word = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                Ok(word.parse()?)
            }
        }
    };
}

/// A stored word no variant has (a hand-edited row, or a mistyped value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{word}` (one of: {})", known.join(", "))]
pub struct UnknownWord {
    pub what: &'static str,
    pub word: String,
    pub known: &'static [&'static str],
}

stored_text!(
    /// Where a follow of a group stands.
    MembershipState, what: "membership state", {
        /// Asked to join; waits for the admin.
        Pending = "pending",
        /// A member.
        Approved = "approved",
    }
);

stored_text!(
    /// Where one delivery stands.
    DeliveryState, what: "delivery state", {
        /// Due now or at its next attempt.
        Pending = "pending",
        Delivered = "delivered",
        /// Refused, or its retries ran out.
        Failed = "failed",
        /// For a parked server: not sent until it is back (see `hosts`).
        Held = "held",
    }
);

stored_text!(
    /// What a group does with a member post that was visible outside it.
    LeakGuard, what: "leak guard", {
        /// Republish, and tell the author how to post privately (default).
        Warn = "warn",
        /// Do not republish; tell the author why.
        Reject = "reject",
        /// Republish without comment.
        Allow = "allow",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_maps_back_to_its_state() {
        for s in MembershipState::ALL {
            assert_eq!(s.as_str().parse::<MembershipState>(), Ok(*s));
        }
        for s in DeliveryState::ALL {
            assert_eq!(s.as_str().parse::<DeliveryState>(), Ok(*s));
        }
        for s in LeakGuard::ALL {
            assert_eq!(s.to_string().parse::<LeakGuard>(), Ok(*s));
        }
        assert_eq!(DeliveryState::Held.as_str(), "held");
        assert_eq!(MembershipState::Approved.as_str(), "approved");
    }

    #[test]
    fn an_unknown_word_is_an_error_that_names_the_choices() {
        let e = "maybe".parse::<LeakGuard>().expect_err("not a mode");
        assert_eq!(
            e.to_string(),
            "unknown leak guard `maybe` (one of: warn, reject, allow)"
        );
    }
}
