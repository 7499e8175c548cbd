-- Argo CD health of a Switchyard RegionPolicy: Degraded when the policy cannot act (Ready=False), when a region is
-- Unhealthy by a quorum of observers, or when flap damping holds automation back; Suspended while paused; Progressing
-- until the controller has judged this generation and every region; Healthy otherwise, naming the active region.
local hs = { status = "Progressing", message = "Waiting for the controller to evaluate the policy" }

local function condition(kind)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function said(c)
  return (c.reason or "") .. ": " .. (c.message or "")
end

if obj.status == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < generation) then
  hs.message = "Waiting for the controller to observe generation " .. generation
  return hs
end
local ready = condition("Ready")
if ready == nil then
  return hs
end
if ready.status ~= "True" then
  hs.status = "Degraded"
  hs.message = said(ready)
  return hs
end
local unhealthy = {}
local unknown = {}
for _, region in ipairs(obj.status.regions or {}) do
  if region.health == "Unhealthy" then
    table.insert(unhealthy, region.name)
  elseif region.health ~= "Healthy" then
    table.insert(unknown, region.name)
  end
end
if #unhealthy > 0 then
  hs.status = "Degraded"
  hs.message = "Unhealthy: " .. table.concat(unhealthy, ", ")
  return hs
end
local suppressed = condition("FlapSuppressed")
if suppressed ~= nil and suppressed.status == "True" then
  hs.status = "Degraded"
  hs.message = said(suppressed)
  return hs
end
local paused = condition("Paused")
if paused ~= nil and paused.status == "True" then
  hs.status = "Suspended"
  hs.message = said(paused)
  return hs
end
if #unknown > 0 then
  hs.message = "No quorum of observers yet on: " .. table.concat(unknown, ", ")
  return hs
end
hs.status = "Healthy"
hs.message = "Active region " .. (obj.status.activeRegion or "?") .. ", epoch " .. (obj.status.epoch or 0)
return hs
