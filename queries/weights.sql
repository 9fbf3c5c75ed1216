-- name: mode
-- Whether this session's figures are weighted by sampling (false under --unweighted) and the weight assumed for unknown rates.
SELECT getvariable('adtrace_lists').weighted AS weighted, getvariable('adtrace_lists').assume_weight AS assume_weight;
