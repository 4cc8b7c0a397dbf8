// Day numbers and period keys are computed in UTC; pin the zone so a developer's locale cannot shift them.
process.env.TZ = 'UTC';
