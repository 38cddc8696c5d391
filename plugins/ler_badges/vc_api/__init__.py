"""VC-API exchanges, as Learner Credential Wallet speaks them: issue and ask for Open Badges.

- :mod:`.presentation_requests`: the requests an exchange sends and the links that start it
  (pure);
- :mod:`.exchange_record`: an exchange as the wallet keeps it (pending, active, done, failed);
- :mod:`.did_auth`: check a wallet's presentation (its ``did:key``, the challenge, the domain);
- :mod:`.exchange_manager`: create exchanges, answer wallets, issue and verify, end them;
- :mod:`.public_exchanges`: the unauthenticated endpoints wallets call (the agent's public server);
- :mod:`.exchange_admin`: the authenticated admin routes registrars and employers use.

Nothing is imported here, so that the plugin's service can load the public routes without a
cycle.
"""
