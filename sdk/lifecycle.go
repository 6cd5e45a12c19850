package sdk

import (
	"context"
	"fmt"

	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

func (s *server) Start(ctx context.Context, req *pb.StartRequest) (*pb.StartResponse, error) {
	svc := s.plugin.Service
	if svc == nil {
		return nil, fmt.Errorf("plugin %s is not a service", s.plugin.Name)
	}
	s.mu.RLock()
	host, authority := s.host, s.authority
	s.mu.RUnlock()
	if id := req.GetHostBrokerId(); id != 0 && host == nil {
		var err error
		if host, err = dialHost(s.broker, id, authority); err != nil {
			return nil, err
		}
	}
	if err := svc.Start(ctx, host); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.plugin.Name, err)
	}
	return &pb.StartResponse{}, nil
}

func (s *server) Stop(ctx context.Context, _ *pb.StopRequest) (*pb.StopResponse, error) {
	if s.plugin.Service == nil {
		return nil, fmt.Errorf("plugin %s is not a service", s.plugin.Name)
	}
	if err := s.plugin.Service.Stop(ctx); err != nil {
		return nil, fmt.Errorf("stop %s: %w", s.plugin.Name, err)
	}
	return &pb.StopResponse{}, nil
}

func (s *server) Health(ctx context.Context, _ *pb.HealthRequest) (*pb.HealthResponse, error) {
	if s.plugin.Service == nil {
		return nil, fmt.Errorf("plugin %s is not a service", s.plugin.Name)
	}
	h := s.plugin.Service.Health(ctx)
	return &pb.HealthResponse{Status: pb.HealthResponse_Status(h.Status), Reason: h.Reason}, nil
}

// healthFromProto converts a lifecycle health answer; an unknown status is
// unhealthy, never silently healthy.
func healthFromProto(r *pb.HealthResponse) Health {
	switch r.GetStatus() {
	case pb.HealthResponse_STATUS_HEALTHY:
		return Health{Status: Healthy, Reason: r.GetReason()}
	case pb.HealthResponse_STATUS_DEGRADED:
		return Health{Status: Degraded, Reason: r.GetReason()}
	case pb.HealthResponse_STATUS_UNHEALTHY:
		return Health{Status: Unhealthy, Reason: r.GetReason()}
	}
	return Health{Status: Unhealthy, Reason: fmt.Sprintf("plugin reported unknown health status %v", r.GetStatus())}
}
