-- wrk script for bench/web.py: one kind of request, spread over many paths, timed by wrk.
-- Arguments after `--`: METHOD, a file of paths (one a line), a body ("" for none; "HOUR" in it
-- becomes a random hour, so every preference save changes something), and a Cookie header ("" for none).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local method, body, cookie
local paths = {}

function init(args)
  method = args[1]
  for line in io.lines(args[2]) do
    paths[#paths + 1] = line
  end
  body = args[3] ~= "" and args[3] or nil
  cookie = args[4] ~= "" and args[4] or nil
  math.randomseed(id * 7919 + os.time())
end

function request()
  local headers = {}
  if cookie then headers["Cookie"] = cookie end
  local payload = nil
  if body then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    payload = body:gsub("HOUR", tostring(math.random(0, 23)))
  end
  return wrk.format(method, paths[math.random(#paths)], headers, payload)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "bad_status": %d, "timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write, errors.status,
    errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
