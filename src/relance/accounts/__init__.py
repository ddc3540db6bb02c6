"""Users, roles and who may see what."""
