"""The local identity provider of the embedded default (`tongban up`): staff accounts with
Argon2 passwords, a token endpoint, and the OpenID Connect discovery and keys every service
verifies tokens with. In production the province's provider takes its place."""
