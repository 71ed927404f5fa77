-- wrk: every request carries a comment never sent before, so that no cache can answer it.
--
--   WRK_RUN=<unique id> WRK_ACCEPT=<Accept header>
--   WRK_PATH=/sparql?query=<the query, percent-encoded> wrk -t1 -c8 -d10s -s fresh_comment.lua URL
--   WRK_PATH=/query WRK_BODY=<the query> wrk ...   (POSTed as application/sparql-query)
--
-- At the end it prints one line, "fresh-comment requests=N duration_us=D errors_4xx_5xx=K
-- socket_errors=E", for benchmarks/growth.py to read: the answers completed and the run's length,
-- not wrk's latency figures (wrk adds estimated samples for every slow answer before done()).

local path = os.getenv("WRK_PATH")
local body = os.getenv("WRK_BODY")
local accept = os.getenv("WRK_ACCEPT") or "*/*"
local run = os.getenv("WRK_RUN") or tostring(os.time())
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
    "fresh-comment requests=%d duration_us=%d errors_4xx_5xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
