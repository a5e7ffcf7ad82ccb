"""People's accounts: an e-mail and a password, bound to cooperatives with the roles API
tokens have (tables, passwords, users, invitations, sessions). A signed-in person is the
same kind of principal a token is (scic.access.tokens.Principal), so every access rule
applies to both unchanged; what a person records carries the actor `user:<id>`."""
