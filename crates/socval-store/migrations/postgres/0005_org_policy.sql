-- An organisation's own Social Value Policy, as the TOML file an
-- administrator gave (socval admin set-policy, or the portal). NULL: the
-- built-in policy (Rotherham's, data/policy/rotherham.toml) with the
-- organisation's two threshold columns. When a policy is set, the
-- threshold columns are written from it, so they always agree.
ALTER TABLE organisations ADD COLUMN policy_toml TEXT;
