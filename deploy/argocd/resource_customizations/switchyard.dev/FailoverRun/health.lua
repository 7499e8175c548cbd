-- Argo CD health of a Switchyard FailoverRun, by phase: Progressing while Pending or Running, Suspended while it waits
-- for a person's approval, Healthy when it Succeeded or was Cancelled as asked, Degraded when it Failed or RolledBack.
local hs = { status = "Progressing", message = "Waiting for the controller to start the run" }
if obj.status == nil or obj.status.phase == nil then
  return hs
end
local phase = obj.status.phase
local step = obj.status.currentStep
-- A finished run says why in its Complete condition.
local function with(text)
  for _, c in ipairs(obj.status.conditions or {}) do
    if c.type == "Complete" and c.message ~= nil and c.message ~= "" then
      return text .. ": " .. c.message
    end
  end
  return text
end
if phase == "Pending" or phase == "Running" then
  hs.message = with(step ~= nil and (phase .. " step " .. step) or phase)
elseif phase == "WaitingApproval" then
  hs.status = "Suspended"
  hs.message = with(step ~= nil and ("Waiting for approval of step " .. step) or "Waiting for approval")
elseif phase == "Succeeded" or phase == "Cancelled" then
  hs.status = "Healthy"
  hs.message = with(phase)
elseif phase == "Failed" or phase == "RolledBack" then
  hs.status = "Degraded"
  hs.message = with(phase)
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. phase
end
return hs
