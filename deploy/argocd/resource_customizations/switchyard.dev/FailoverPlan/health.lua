-- Argo CD health of a Switchyard FailoverPlan: its Ready condition (the plan checked against its RegionPolicy and the
-- systems its steps touch). Degraded when not Ready, Progressing until the controller has checked this generation.
local hs = { status = "Progressing", message = "Waiting for the controller to check the plan" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < generation) then
  hs.message = "Waiting for the controller to check generation " .. generation
  return hs
end
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then
    if c.status == "True" then
      hs.status = "Healthy"
    elseif c.status == "False" then
      hs.status = "Degraded"
    end
    hs.message = (c.reason or "") .. ": " .. (c.message or "")
    return hs
  end
end
return hs
