package rules

import "testing"

func TestConfigsAndSecretsFromHostFiles(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a secret read from a credential folder", yaml: `services:
  app:
    image: x
    user: "1000"
    secrets: [key]
secrets:
  key:
    file: ~/.ssh/id_ed25519
`, want: []w{
			{rule: SensitiveHostPath, sev: Warning, at: "8:5-8", msg: []string{`secret "key" is the host file ~/.ssh/id_ed25519`, `service "app"`, "lies inside ~/.ssh"}},
		}},
		{name: "a config from /etc, used by two services", yaml: `services:
  a:
    image: x
    user: "1000"
    configs: [passwd]
  b:
    image: x
    user: "1000"
    configs:
      - source: passwd
        target: /etc/passwd
configs:
  passwd:
    file: /etc/passwd
`, want: []w{
			{rule: SensitiveHostPath, sev: Warning, at: "14:5-14", msg: []string{`config "passwd" is the host file /etc/passwd`, `services "a" and "b"`}},
		}},
		{name: "the Docker socket as a config", yaml: `services:
  a:
    image: x
    user: "1000"
    configs: [sock]
configs:
  sock:
    file: /var/run/docker.sock
`, want: []w{
			{rule: DockerSocket, sev: Error, at: "8:5-8", msg: []string{"Docker API socket", "read-only does not help"}},
		}},
		{name: "a secret outside the project", yaml: `services:
  a:
    image: x
    user: "1000"
    secrets: [s]
secrets:
  s:
    file: ../../shared/token
`, want: []w{
			{rule: OutsideProject, sev: Warning, at: "8:5-8", msg: []string{`secret "s" is the host file ../../shared/token`, "outside the project"}},
		}},
		{name: "project files, unused resources and allowed sources are fine", yaml: `services:
  a:
    image: x
    user: "1000"
    secrets: [local, allowed]
secrets:
  local:
    file: ./secrets/token
  allowed:
    file: /run/secrets/token
  unused:
    file: /etc/shadow
`, settings: Settings{AllowedBindSources: []string{"/run/secrets"}}, want: nil},
	})
}

func TestDefaultCapabilitiesAreNotReported(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "drop all, add back defaults", yaml: `services:
  a:
    image: x
    cap_drop: [ALL]
    cap_add: [CHOWN, NET_BIND_SERVICE, CAP_SETUID, net_admin]
`, want: []w{
			{rule: DangerousCapability, sev: Warning, svc: "a", at: "5:52-5", msg: []string{"NET_ADMIN"}},
		}},
	})
}

func TestMoreBlockDevices(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "raw SCSI, network block device and an uncleaned path", yaml: `services:
  a:
    image: x
    devices:
      - /dev/sg0:/dev/sg0
      - /dev/nbd0:/dev/nbd0
      - //dev/sda:/dev/sda
`, want: []w{
			{rule: HostDevice, sev: Error, svc: "a", at: "5:9-5", msg: []string{"block device /dev/sg0"}},
			{rule: HostDevice, sev: Error, svc: "a", at: "6:9-6", msg: []string{"block device /dev/nbd0"}},
			{rule: HostDevice, sev: Error, svc: "a", at: "7:9-7", msg: []string{"block device //dev/sda"}},
		}},
	})
}

func TestRuleSwitchesAreConsistentForMountsAndFiles(t *testing.T) {
	off := Settings{Severity: map[string]Severity{SensitiveHostPath: Off}}
	runCases(t, []ruleCase{
		{name: "an allowed socket config is still a socket", yaml: `services:
  a:
    image: x
    user: "1000"
    configs: [sock]
configs:
  sock:
    file: /var/run/docker.sock
`, settings: Settings{AllowedBindSources: []string{"/var/run"}}, want: []w{
			{rule: DockerSocket, sev: Error, at: "8:5-8"},
		}},
		{name: "with sensitive-host-path off, a ~ credential mount is outside the project", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes: ["~/.ssh:/keys:ro"]
    secrets: [k]
secrets:
  k:
    file: ~/.aws/credentials
`, settings: off, want: []w{
			{rule: OutsideProject, sev: Warning, svc: "a", at: "5:15-5"},
			{rule: OutsideProject, sev: Warning, at: "9:5-9"},
		}},
	})
}
