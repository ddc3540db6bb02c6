"""The companies using relance (creditors): identity, bank details, terms, penalty clause."""
