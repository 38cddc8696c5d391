"""did:ler: method, resolver, DID management."""
