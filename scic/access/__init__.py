"""Access to the API: hashed, revocable API tokens bound to a cooperative and a role
(tokens), the rule every route declares (policy), and the guard that applies them."""
