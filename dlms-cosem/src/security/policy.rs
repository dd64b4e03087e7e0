//! The protection an association requires (IEC 62056-5-3 ed. 3 clause
//! 5.7.3, the Security setup object's `security_policy`): every protected
//! APDU received must be at least as protected as the policy says, so that
//! clearing the authentication or encryption bit of the security control
//! byte cannot downgrade protection. The suite must be the association's.

use crate::apdu::SecurityControl;
use crate::security::{SecurityError, SecuritySuite};

/// The least protection accepted, and the protection applied on send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SecurityPolicy {
    /// The association's suite.
    pub suite: SecuritySuite,
    /// APDUs must be authenticated (carry a tag).
    pub authenticated: bool,
    /// APDUs must be encrypted.
    pub encrypted: bool,
}

impl SecurityPolicy {
    /// Authenticated and encrypted under `suite`: the usual policy.
    #[must_use]
    pub const fn authenticated_encrypted(suite: SecuritySuite) -> Self {
        Self {
            suite,
            authenticated: true,
            encrypted: true,
        }
    }

    /// The security control byte this policy sends with.
    #[must_use]
    pub const fn security_control(&self) -> SecurityControl {
        crate::security::security_control(self.suite, self.authenticated, self.encrypted)
    }

    /// Checks a received security control byte: suite, compression, and
    /// at least the required protection.
    ///
    /// # Errors
    /// [`SecurityError::SuiteMismatch`], [`SecurityError::Compressed`] or
    /// [`SecurityError::Downgrade`].
    pub fn check(&self, sc: SecurityControl) -> Result<(), SecurityError> {
        if sc.suite_id() != self.suite.id() {
            return Err(SecurityError::SuiteMismatch {
                expected: self.suite.id(),
                received: sc.suite_id(),
            });
        }
        if sc.compressed() {
            return Err(SecurityError::Compressed);
        }
        let missing_auth = self.authenticated && !sc.authenticated();
        let missing_enc = self.encrypted && !sc.encrypted();
        // Neither bit set is no protection at all: never accepted.
        let none = !sc.authenticated() && !sc.encrypted();
        if missing_auth || missing_enc || none {
            return Err(SecurityError::Downgrade {
                received: sc.0,
                required: self.security_control().0 & 0x30,
            });
        }
        Ok(())
    }
}
