-- Signed-in votes: each request takes a random session token (TOKENS file, one per line) and a random
-- article id (ARTICLES, comma-separated) and PUTs agree / mixed / disagree. Loopback only.
local tokens, articles = {}, {}
local values = { "agree", "mixed", "disagree" }

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  for id in string.gmatch(os.getenv("ARTICLES"), "%d+") do articles[#articles + 1] = id end
  math.randomseed(os.time() + (args and #args or 0))
end

function request()
  local token = tokens[math.random(#tokens)]
  local article = articles[math.random(#articles)]
  local body = '{"value":"' .. values[math.random(3)] .. '"}'
  return wrk.format("PUT", "/api/v1/articles/" .. article .. "/vote",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

local failures = 0
function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end
