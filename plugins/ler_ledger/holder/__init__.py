"""The holder's side of AnonCreds presentations: which credential answers each requested item.

:mod:`.choice` reads a bounded page of the newest matching credentials (not ACA-Py's up to 100
per item) and picks one per item; :mod:`.auto_present` answers proof requests by itself with that
choice on an agent started with ``--auto-respond-presentation-request``. A hosted learner's plan
(ler_tenants) makes the same choice.
"""
