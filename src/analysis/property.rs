//! The properties relucheck decides, their statements, and the domains they are defined on.

use crate::error::{Error, Result};
use crate::regions::domain::{Domain, DomainKind};
use std::fmt;

/// A property of a network on a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Property {
    /// `f(x + y) = f(x) + f(y)`.
    Additivity,
    /// `f(a x) = a f(x)` for `a >= 0`.
    PositiveHomogeneity,
    /// `f(a x) = a f(x)` for every real `a`.
    Homogeneity,
    /// `f(-x) = -f(x)`.
    Odd,
    /// One affine map on the whole domain.
    Affine,
    /// One linear map (affine with zero offset) on the whole domain.
    Linear,
}

impl Property {
    /// Every property, in the order of the `all` table.
    pub const ALL: [Property; 6] = [
        Property::Additivity,
        Property::PositiveHomogeneity,
        Property::Homogeneity,
        Property::Odd,
        Property::Affine,
        Property::Linear,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Property::Additivity => "additivity",
            Property::PositiveHomogeneity => "positive-homogeneity",
            Property::Homogeneity => "homogeneity",
            Property::Odd => "odd",
            Property::Affine => "affine",
            Property::Linear => "linear",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Result<Property> {
        Property::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "unknown property `{s}`; valid: {}, all",
                    Property::ALL.map(Property::name).join(", ")
                ))
            })
    }

    /// The statement, e.g. `f(x + y) = f(x) + f(y) for all x, y`.
    pub fn statement(self) -> &'static str {
        match self {
            Property::Additivity => "f(x + y) = f(x) + f(y) for all x, y",
            Property::PositiveHomogeneity => "f(a·x) = a·f(x) for all x and all a >= 0",
            Property::Homogeneity => "f(a·x) = a·f(x) for all x and all real a",
            Property::Odd => "f(-x) = -f(x) for all x",
            Property::Affine => "f(x) = A·x + c, one affine map on the whole domain",
            Property::Linear => "f(x) = A·x, one linear map on the whole domain",
        }
    }

    /// Checks that the property makes sense on the domain: additivity and positive
    /// homogeneity need a cone (`R^d` or the orthant), oddness and homogeneity all of `R^d`.
    pub fn check_domain(self, domain: &Domain) -> Result<()> {
        let kind = domain.kind();
        let ok = match self {
            Property::Additivity | Property::PositiveHomogeneity => {
                matches!(kind, DomainKind::Whole | DomainKind::Orthant)
            }
            Property::Homogeneity | Property::Odd => matches!(kind, DomainKind::Whole),
            Property::Affine | Property::Linear => true,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::Invalid(format!(
                "{} is a property of {}; it is not defined on {} (use affine or linear there)",
                self.name(),
                match self {
                    Property::Additivity | Property::PositiveHomogeneity =>
                        "the whole input space or the orthant (--orthant)",
                    _ => "the whole input space (no domain option)",
                },
                domain.describe()
            )))
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
