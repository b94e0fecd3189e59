# ccag setup for Windows, served by a ccag gateway at /setup.ps1: installs the ccag CLI from
# the gateway itself (no npm registry needed) and runs `ccag connect` against it.
#
#   irm __CCAG_PUBLIC_URL__/setup.ps1 | iex
#   & ([scriptblock]::Create((irm __CCAG_PUBLIC_URL__/setup.ps1))) --scope project   # arguments go to `ccag connect`
#
# Environment:
#   CCAG_INSTALL_BIN       where the ccag.cmd shim goes (default: %LOCALAPPDATA%\ccag\bin, added to the user PATH)
#   CCAG_SETUP_NO_CONNECT  1: install only, do not run `ccag connect` (MDM, images, tests)
#
# Requires Node.js 20.18.1 or newer and tar.exe (Windows 10 1803 and later ship it).
# Run through iex, so it never calls `exit` (that would close the user's window): errors are thrown.

$CcagConnectArgs = @($args)
& {
  param([string[]] $ConnectArgs)
  $ErrorActionPreference = 'Stop'
  $ProgressPreference = 'SilentlyContinue'
  $Gateway = __CCAG_PUBLIC_URL_PS__
  $Version = __CCAG_VERSION_PS__
  $NodeMin = [version] '20.18.1' # package.json "engines"

  if (-not (Get-Command node -ErrorAction SilentlyContinue)) {
    throw "ccag setup: Node.js $NodeMin or newer is needed, and there is no 'node' on PATH (https://nodejs.org)"
  }
  $nodeVersion = [version] ((& node -p 'process.versions.node') | Out-String).Trim()
  if ($nodeVersion -lt $NodeMin) { throw "ccag setup: Node.js $NodeMin or newer is needed; this one is $nodeVersion" }
  if (-not (Get-Command tar.exe -ErrorAction SilentlyContinue)) { throw 'ccag setup: tar.exe is needed to unpack the CLI' }

  $root = Join-Path $env:LOCALAPPDATA 'ccag'
  $dest = Join-Path $root 'cli'
  $bin = if ($env:CCAG_INSTALL_BIN) { $env:CCAG_INSTALL_BIN } else { Join-Path $root 'bin' }
  New-Item -ItemType Directory -Force -Path $root, $bin | Out-Null

  # Unpack beside the destination (same volume), then swap it in with renames.
  $stage = Join-Path $root ".cli-setup.$PID"
  Remove-Item -Recurse -Force -ErrorAction SilentlyContinue -LiteralPath $stage, "$dest.old"
  New-Item -ItemType Directory -Path $stage | Out-Null
  try {
    Write-Host "ccag setup: downloading ccag $Version from $Gateway"
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    $tgz = Join-Path $stage 'ccag.tgz'
    Invoke-WebRequest -UseBasicParsing -Uri "$Gateway/setup/ccag.tgz" -OutFile $tgz
    & tar.exe -xzf $tgz -C $stage
    if ($LASTEXITCODE -ne 0) { throw "ccag setup: cannot unpack $Gateway/setup/ccag.tgz" }
    if (-not (Test-Path -LiteralPath (Join-Path $stage 'package\dist\ccag.mjs'))) { throw "ccag setup: $Gateway/setup/ccag.tgz is not a ccag CLI bundle" }
    if (Test-Path -LiteralPath $dest) { Rename-Item -LiteralPath $dest -NewName 'cli.old' }
    Move-Item -LiteralPath (Join-Path $stage 'package') -Destination $dest
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue -LiteralPath "$dest.old"
  } finally {
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue -LiteralPath $stage
  }

  $cli = Join-Path $dest 'bin\ccag'
  $shim = Join-Path $bin 'ccag.cmd'
  Set-Content -LiteralPath $shim -Encoding ASCII -Value "@echo off`r`nrem written by the ccag setup script`r`nnode `"$cli`" %*"
  $installed = ((& node $cli --version) | Out-String).Trim()
  Write-Host "ccag setup: installed ccag $installed in $dest (shim: $shim)"

  $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
  if (-not (($userPath -split ';') -contains $bin)) {
    [Environment]::SetEnvironmentVariable('Path', (@($userPath, $bin) | Where-Object { $_ }) -join ';', 'User')
    Write-Host "ccag setup: added $bin to your PATH (new terminals see it)"
  }
  if (-not (($env:Path -split ';') -contains $bin)) { $env:Path = "$env:Path;$bin" }

  if ($env:CCAG_SETUP_NO_CONNECT -eq '1') {
    Write-Host "ccag setup: skipping 'ccag connect' (CCAG_SETUP_NO_CONNECT=1); run: ccag connect $Gateway"
    return
  }
  & node $cli connect $Gateway @ConnectArgs
  if ($LASTEXITCODE -ne 0) { throw "ccag setup: 'ccag connect $Gateway' failed (exit code $LASTEXITCODE)" }
} $CcagConnectArgs
