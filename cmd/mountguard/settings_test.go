package main

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"
)

const pemKey = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func files(m map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if c, ok := m[p]; ok {
			return []byte(c), nil
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
}

func TestSettings(t *testing.T) {
	base := map[string]string{"MOUNTGUARD_APP_ID": "12345", "MOUNTGUARD_PRIVATE_KEY": pemKey, "MOUNTGUARD_WEBHOOK_SECRET": "s"}
	s, err := loadSettings("", env(base), files(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.AppID != 12345 || s.GitHubURL != "https://api.github.com/" || s.Addr != ":8080" || s.Workers != 4 || s.CheckName != "mountguard" || s.JobTimeout != 10*time.Minute {
		t.Errorf("defaults %+v", s)
	}

	withFile := map[string]string{
		"MOUNTGUARD_WORKERS": "8",
	}
	s, err = loadSettings("/etc/mountguard.yml", env(withFile), files(map[string]string{
		"/etc/mountguard.yml": "app_id: 7\nprivate_key_path: /run/secrets/key\nwebhook_secret_path: /run/secrets/hook\ngithub_url: https://ghe.example.com/api/v3/\nworkers: 2\njob_timeout: 3m\n",
		"/run/secrets/key":    pemKey,
		"/run/secrets/hook":   "hook-secret\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s.AppID != 7 || s.Workers != 8 || s.WebhookSecret != "hook-secret" || s.GitHubURL != "https://ghe.example.com/api/v3/" || s.JobTimeout != 3*time.Minute || s.PrivateKey != pemKey {
		t.Errorf("file + environment: %+v", s)
	}

	pasted := map[string]string{"MOUNTGUARD_APP_ID": "12345\n", "MOUNTGUARD_PRIVATE_KEY": pemKey, "MOUNTGUARD_WEBHOOK_SECRET": "s3cret\n"}
	if s, err = loadSettings("", env(pasted), files(nil)); err != nil || s.WebhookSecret != "s3cret" || s.AppID != 12345 {
		t.Errorf("values with a final newline: %q, %d, %v", s.WebhookSecret, s.AppID, err)
	}
}

func TestSettingsErrorsNameTheSetting(t *testing.T) {
	ok := map[string]string{"MOUNTGUARD_APP_ID": "1", "MOUNTGUARD_PRIVATE_KEY": pemKey, "MOUNTGUARD_WEBHOOK_SECRET": "s"}
	tests := []struct {
		change map[string]string
		file   string
		want   string
	}{
		{map[string]string{"MOUNTGUARD_APP_ID": ""}, "", "MOUNTGUARD_APP_ID: not set"},
		{map[string]string{"MOUNTGUARD_APP_ID": "abc"}, "", "MOUNTGUARD_APP_ID: \"abc\" is not a GitHub App id"},
		{map[string]string{"MOUNTGUARD_PRIVATE_KEY": ""}, "", "MOUNTGUARD_PRIVATE_KEY: not set"},
		{map[string]string{"MOUNTGUARD_PRIVATE_KEY": "hunter2"}, "", "MOUNTGUARD_PRIVATE_KEY: is not a PEM private key"},
		{map[string]string{"MOUNTGUARD_PRIVATE_KEY": "", "MOUNTGUARD_PRIVATE_KEY_PATH": "/nope"}, "", "MOUNTGUARD_PRIVATE_KEY_PATH: open /nope"},
		{map[string]string{"MOUNTGUARD_WEBHOOK_SECRET": ""}, "", "MOUNTGUARD_WEBHOOK_SECRET: not set"},
		{map[string]string{"MOUNTGUARD_GITHUB_URL": "ftp://x"}, "", "MOUNTGUARD_GITHUB_URL: \"ftp://x\" is not a REST API base URL"},
		{map[string]string{"MOUNTGUARD_GITHUB_URL": "https://api.github.com/?x=1"}, "", "MOUNTGUARD_GITHUB_URL: \"https://api.github.com/?x=1\" is not a REST API base URL"},
		{map[string]string{"MOUNTGUARD_WORKERS": "0"}, "", "MOUNTGUARD_WORKERS: \"0\" is not a positive whole number"},
		{map[string]string{"MOUNTGUARD_QUEUE_SIZE": "many"}, "", "MOUNTGUARD_QUEUE_SIZE"},
		{map[string]string{"MOUNTGUARD_JOB_TIMEOUT": "soon"}, "", "MOUNTGUARD_JOB_TIMEOUT: \"soon\" is not a duration"},
		{map[string]string{"MOUNTGUARD_LOG_FORMAT": "xml"}, "", "MOUNTGUARD_LOG_FORMAT"},
		{map[string]string{"MOUNTGUARD_CACHE_SIZE": "lots"}, "", "MOUNTGUARD_CACHE_SIZE"},
		{nil, "/cfg.yml", "/cfg.yml: line 1: field app_idd not found"},
		// The file's values are checked as the environment's are.
		{map[string]string{"MOUNTGUARD_APP_ID": ""}, "/negative-id.yml", "MOUNTGUARD_APP_ID: -1 is not a GitHub App id"},
		{nil, "/queue.yml", "MOUNTGUARD_QUEUE_SIZE: 0: must be a positive whole number"},
		{nil, "/job-timeout.yml", "MOUNTGUARD_JOB_TIMEOUT: -5s: must be a positive duration"},
		{nil, "/shutdown.yml", "MOUNTGUARD_SHUTDOWN_TIMEOUT: 0s: must be a positive duration"},
		{nil, "/typed.yml", "/typed.yml: line 2: `5` is not a duration such as 30s or 5m"},
	}
	cfgFiles := files(map[string]string{
		"/cfg.yml":         "app_idd: 3\n",
		"/negative-id.yml": "app_id: -1\n",
		"/queue.yml":       "queue_size: 0\n",
		"/job-timeout.yml": "job_timeout: -5s\n",
		"/shutdown.yml":    "shutdown_timeout: 0s\n",
		"/typed.yml":       "workers: 2\njob_timeout: 5\n",
	})
	for _, tt := range tests {
		vars := map[string]string{}
		for k, v := range ok {
			vars[k] = v
		}
		for k, v := range tt.change {
			vars[k] = v
		}
		_, err := loadSettings(tt.file, env(vars), cfgFiles)
		var se *settingError
		if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%v %s: got %v, want %q", tt.change, tt.file, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("not one line: %q", err)
		}
	}
}
