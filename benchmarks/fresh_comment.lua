-- wrk: every request carries a comment never sent before, so that no cache can answer it.
--
--   WRK_PATH=/sparql?query=<the query, percent-encoded> wrk -t1 -c8 -d10s -s fresh_comment.lua URL
--   WRK_PATH=/query WRK_BODY=<the query> wrk ... (POSTed as application/sparql-query)
--
-- At the end it prints one line, "fresh-comment requests=N mean_us=M non2xx=K socket_errors=E",
-- for benchmarks/growth.py to read.

local path = os.getenv("WRK_PATH")
local body = os.getenv("WRK_BODY")
local accept = "application/sparql-results+json, application/n-triples;q=0.9"
local run = tostring(os.time())
local counter = 0

request = function()
  counter = counter + 1
  local mark = run .. "-" .. counter
  if body then
    return wrk.format("POST", path, {
      ["Accept"] = accept, ["Content-Type"] = "application/sparql-query",
    }, body .. "\n# " .. mark .. "\n")
  end
  return wrk.format("GET", path .. "%0A%23%20" .. mark .. "%0A", {["Accept"] = accept})
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "fresh-comment requests=%d mean_us=%.1f non2xx=%d socket_errors=%d\n",
    summary.requests, latency.mean, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
