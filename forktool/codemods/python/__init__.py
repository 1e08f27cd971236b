"""Python source: the libcst codemod (:mod:`.codemod`) and its helpers, string literals,
a token-level fallback, and C sources of extension modules."""
